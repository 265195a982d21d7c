//! # chipsim
//!
//! A discrete-event Monte Carlo simulator of the AI-chip supply chain: fabs, advanced
//! packaging, shipping lanes, data-centre build-outs and grid connections are agents
//! driven by one event queue; a runner repeats a scenario under random shocks and
//! summarises chip shortages, delays and the electricity AI servers draw.
//!
//! ```text
//! scenario TOML ──► scenario (parse, validate) ──► model (agents + event queue)
//!                                                     │ one replication = one seed
//! runner (parallel, seeded, sharded) ◄────────────────┘
//!     │ ReplicationResult per replication
//!     ▼
//! stats (mean, CI, quantiles) ──► output (CSV, manifest) ──► outputs/<scenario>/
//! ```
//!
//! Layers import downwards only: `engine`, `random` and `distribution` know nothing of
//! chips; the model knows nothing of files, threads or the command line.
#![warn(missing_docs, missing_debug_implementations)]

pub mod distribution;
pub mod engine;
pub mod glossary;
pub mod model;
pub mod optimize;
pub mod output;
pub mod plot;
pub mod queueing;
pub mod random;
pub mod replication;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod stats;
pub mod sweep;
