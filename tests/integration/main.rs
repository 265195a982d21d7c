//! chipsim's integration tests, built as one binary: one file per behaviour.

mod authoring;
mod backtest;
mod golden;
mod hardening;
mod model;
mod optimize;
mod output;
mod plots;
mod queueing_theory;
mod runner;
mod shard_cli;
mod shocks;
mod sweep;
