//! chipsim's integration tests, built as one binary: one file per behaviour.

mod model;
mod output;
mod plots;
mod queueing_theory;
mod runner;
mod shocks;
