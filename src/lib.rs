pub mod engine;
pub mod random;
pub mod stats;
