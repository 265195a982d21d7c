pub mod engine;
pub mod random;
