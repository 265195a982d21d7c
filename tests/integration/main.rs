//! chipsim's integration tests, built as one binary: one file per behaviour.

mod model;
mod queueing_theory;
mod shocks;
