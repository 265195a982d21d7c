//! chipsim's integration tests, built as one binary: one file per behaviour.

mod authoring;
mod backtest;
mod bench;
mod crosscheck;
mod disruptions;
mod dynamics;
mod fuzz;
mod golden;
mod hardening;
mod inputs;
mod model;
mod optimize;
mod output;
mod overlay;
mod ownership;
mod plots;
mod queueing_theory;
mod runner;
mod shard_cli;
mod shocks;
mod signals;
mod sketched_quantiles;
mod sources;
mod spreadsheet;
mod support;
mod sweep;
