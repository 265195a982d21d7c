//! chipsim's integration tests, built as one binary: one file per behaviour.

mod authoring;
mod model;
mod output;
mod queueing_theory;
mod runner;
mod shocks;
