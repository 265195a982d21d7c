//! `chipsim optimize CONFIG`: the best allocation of a budget over the costed
//! investments of an `[optimize]` section (in the scenario, or in a file naming its
//! `base` scenario) into `outputs/<scenario>-optimize/`, with a spinner counting
//! evaluations on a terminal. Ctrl-C or SIGTERM stops after the replications in flight
//! and writes what is complete with status `interrupted` (exit 130), as `run` does.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use chipsim::optimize::{
    run_optimize, OptimizeControl, OptimizeError, OptimizeOptions, OptimizeProgress, Problem,
};
use chipsim::output::Status;

use super::run::{cancel_on_signals, CANCEL, EXIT_INTERRUPTED};
use super::usage_error;

/// Replications per allocation when neither the flag nor the file gives them.
const DEFAULT_REPS: u64 = 100;
/// Base seed when neither the flag nor the scenario gives one.
const DEFAULT_SEED: u64 = 1;

#[derive(Debug, Args)]
pub struct OptimizeArgs {
    /// Scenario with an [optimize] section, or a file holding `base = "<scenario>.toml"`
    /// (relative to it) and an [optimize] section.
    pub config: PathBuf,
    /// Replications per evaluated allocation, at least 2. Default: [optimize]
    /// replications, else the scenario's, else 100.
    #[arg(long)]
    pub reps: Option<u64>,
    /// Base seed: every allocation runs the replications seeded from it (common random
    /// numbers); the final selection's fresh replications are seeded from it too.
    /// Default: the scenario's seed, else 1.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads, at least 1. Default: the number of available cores.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder. Default: outputs/<scenario name>-optimize.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No spinner and no closing lines.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: OptimizeArgs) -> anyhow::Result<ExitCode> {
    if args.reps.is_some_and(|reps| reps < 2) {
        usage_error(format!(
            "--reps must be at least 2 (allocations are compared by confidence intervals), got {}",
            args.reps.unwrap_or_default()
        ));
    }
    if args.threads == Some(0) {
        usage_error("--threads must be at least 1, got 0");
    }
    let problem = Problem::load(&args.config)?;
    let options = OptimizeOptions {
        replications: (args.reps)
            .or(problem.spec.replications)
            .or(problem.base.replications)
            .unwrap_or(DEFAULT_REPS),
        base_seed: args.seed.or(problem.base.seed).unwrap_or(DEFAULT_SEED),
        threads: args.threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        }),
        out_dir: args.out.clone().unwrap_or_else(|| {
            Path::new("outputs").join(format!("{}-optimize", problem.layout().scenario))
        }),
    };
    cancel_on_signals()?;
    let spinner = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let spinner = ProgressBar::new_spinner();
        spinner.set_style(
            ProgressStyle::with_template(
                "{spinner} {pos} allocations evaluated ({msg})  {elapsed}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        spinner
    });
    let show = |progress: OptimizeProgress| {
        if let Some(spinner) = &spinner {
            spinner.set_position(progress.evaluations as u64);
            spinner.set_message(progress.stage.label());
        }
    };
    let control = OptimizeControl {
        cancel: Some(&CANCEL),
        progress: spinner.as_ref().map(|_| &show as &dyn Fn(OptimizeProgress)),
    };
    let result = run_optimize(&problem, &options, &control);
    if let Some(spinner) = &spinner {
        spinner.finish_and_clear();
    }
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(OptimizeError::Interrupted) => {
            eprintln!("{}", OptimizeError::Interrupted);
            return Ok(ExitCode::from(EXIT_INTERRUPTED));
        }
        Err(error) => {
            return Err(error)
                .with_context(|| format!("optimize into {}", options.out_dir.display()))
        }
    };
    if !args.quiet {
        eprintln!(
            "{} allocations searched, {} evaluated in all, × {} replications ({}, search stop: {}) in {:.1} s → {}",
            outcome.search_evaluations,
            outcome.evaluations,
            outcome.replications,
            outcome.status.label(),
            outcome.stop.label(),
            outcome.wall_seconds,
            outcome.out_dir.display()
        );
        let certainty = match outcome.certain {
            Some(true) => "certain: distinguishable from every runner-up",
            Some(false) => {
                "NOT certain: other finalists are as good as the data can tell; the cheapest \
                 of them was chosen (see selection.csv)"
            }
            None if outcome.status == Status::Interrupted => "not certified (interrupted)",
            None => "no runner-up to compare",
        };
        eprintln!("optimum: {} ({certainty})", outcome.optimum);
    }
    Ok(match outcome.status {
        Status::Complete => ExitCode::SUCCESS,
        Status::Interrupted => ExitCode::from(EXIT_INTERRUPTED),
    })
}
