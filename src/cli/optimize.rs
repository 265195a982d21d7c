//! `chipsim optimize CONFIG`: the best allocation of a budget over the costed
//! investments of an `[optimize]` section (in the scenario, or in a file naming its
//! `base` scenario) into `outputs/<scenario>-optimize/`, with a spinner counting
//! evaluations on a terminal. Ctrl-C or SIGTERM stops after the replications in flight
//! and writes what is complete with status `interrupted`, as `run` does (see
//! [`super::signals`]).
//!
//! The flags are `run`'s batch flags without `--shard` (a search is sequential: each
//! move depends on the last), read by the same parsers in [`super::flags`]; `--reps`
//! needs at least 2, since allocations are compared by confidence intervals.

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
use chipsim::scenario::DEFAULT_REPLICATIONS;

use super::flags::{base_seed, seed, seed_help, threads, threads_or_cores, whole, Flag};
use super::signals;

#[derive(Debug, Args)]
pub struct OptimizeArgs {
    /// Scenario with an [optimize] section, or a file holding `base = "<scenario>.toml"`
    /// (relative to it) and an [optimize] section.
    pub config: PathBuf,
    /// Replications per evaluated allocation, at least 2. Default: [optimize]
    /// replications, else the scenario's, else 100. The final selection runs as many
    /// fresh ones.
    #[arg(long, value_name = "N", value_parser = Flag(whole::<2>), allow_negative_numbers = true)]
    pub reps: Option<u64>,
    #[arg(long, value_name = "SEED", help = seed_help(), value_parser = Flag(seed),
          allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Worker threads, at least 1. Default: the number of available cores.
    #[arg(long, value_name = "T", value_parser = Flag(threads), allow_negative_numbers = true)]
    pub threads: Option<usize>,
    /// Output folder. Default: outputs/<scenario name>-optimize.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No spinner and no closing lines.
    #[arg(long)]
    pub quiet: bool,
}

/// A spinner counting evaluations, if one should show (as [`super::progress::bar`]).
fn spinner(quiet: bool) -> Option<ProgressBar> {
    (!quiet && std::io::stderr().is_terminal()).then(|| {
        let spinner = ProgressBar::new_spinner();
        spinner.set_style(
            ProgressStyle::with_template(
                "{spinner} {pos} allocations evaluated ({msg})  {elapsed}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        spinner
    })
}

pub fn run(args: OptimizeArgs) -> anyhow::Result<ExitCode> {
    let problem = Problem::load(&args.config)?;
    super::warn(&problem.base);
    let options = OptimizeOptions {
        replications: (args.reps)
            .or(problem.spec.replications)
            .or(problem.base.replications)
            .unwrap_or(DEFAULT_REPLICATIONS),
        base_seed: base_seed(args.seed, problem.base.seed),
        threads: threads_or_cores(args.threads),
        out_dir: args.out.clone().unwrap_or_else(|| {
            Path::new("outputs").join(format!("{}-optimize", problem.layout().scenario))
        }),
    };
    signals::install(signals::Outputs::KeepCompleted)?;
    let spinner = spinner(args.quiet);
    let show = |progress: OptimizeProgress| {
        if let Some(spinner) = &spinner {
            spinner.set_position(progress.evaluations as u64);
            spinner.set_message(progress.stage.label());
        }
    };
    let control = OptimizeControl {
        cancel: Some(signals::stop_flag()),
        progress: spinner.as_ref().map(|_| &show as &dyn Fn(OptimizeProgress)),
    };
    let result = run_optimize(&problem, &options, &control);
    if let Some(spinner) = &spinner {
        spinner.finish_and_clear();
    }
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(OptimizeError::Interrupted) => {
            note!("{}", OptimizeError::Interrupted);
            return Ok(signals::interrupted().unwrap_or(ExitCode::FAILURE));
        }
        Err(error) => {
            return Err(error)
                .with_context(|| format!("optimize into {}", options.out_dir.display()))
        }
    };
    if !args.quiet {
        note!(
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
        note!("optimum: {} ({certainty})", outcome.optimum);
    }
    Ok(match outcome.status {
        Status::Complete => ExitCode::SUCCESS,
        Status::Interrupted => signals::interrupted().unwrap_or(ExitCode::FAILURE),
    })
}
