//! chipsim's integration tests, built as one binary: one file per behaviour.

mod authoring;
mod backtest;
mod fuzz;
mod golden;
mod hardening;
mod inputs;
mod model;
mod output;
mod overlay;
mod plots;
mod queueing_theory;
mod runner;
mod shard_cli;
mod shocks;
mod signals;
mod support;
mod sweep;
