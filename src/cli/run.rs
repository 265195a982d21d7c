//! `chipsim run`: a batch of replications of a scenario into `outputs/<scenario>/`.
//!
//! The flags are checked here (exit 2 naming the flag and its range), the scenario is
//! turned into a [`Replicator`], and [`run_with`] runs the batch through
//! [`chipsim::runner::run_batch`], with a progress bar on a terminal and Ctrl-C/SIGTERM
//! handling: the first signal stops dispatching, lets replications in flight finish and
//! writes the completed prefix with status `interrupted` (exit 130); a second one exits
//! at once without writing.

use std::io::IsTerminal;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use chipsim::output::Status;
use chipsim::replication::Replicator;
use chipsim::runner::{run_batch, Precision, Progress, RunControl, RunError, RunOptions, Shard};

use super::usage_error;

/// Replications without `--reps`.
const DEFAULT_REPS: u64 = 100;
/// Base seed without `--seed`.
const DEFAULT_SEED: u64 = 1;
/// The most replications `--precision` adds without `--max-reps`.
const DEFAULT_MAX_REPS: u64 = 10_000;
/// Exit code of an interrupted run (128 + SIGINT, as shells report it).
pub(super) const EXIT_INTERRUPTED: u8 = 130;

/// Set by the first Ctrl-C or SIGTERM.
pub(super) static CANCEL: AtomicBool = AtomicBool::new(false);

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML). Default: the baseline (configs/baseline.toml, built in).
    pub config: Option<PathBuf>,
    /// Replications to run, at least 1. Default: 100.
    #[arg(long, conflicts_with = "precision")]
    pub reps: Option<u64>,
    /// Base seed: replication r uses a seed derived from (seed, r). Default: 1.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads, at least 1. Default: the number of available cores.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder. Default: outputs/<scenario name>.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only shard I of N (replications I, I+N, I+2N, …), 0 ≤ I < N; combine the
    /// shard folders with `chipsim merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// No progress bar and no closing line.
    #[arg(long)]
    pub quiet: bool,
    /// Add replications (100 at a time) until the 95 % CI half-width of every headline
    /// metric is at most P × |mean|, P > 0 (e.g. 0.01 for ±1 %).
    #[arg(
        long,
        value_name = "P",
        conflicts_with = "shard",
        allow_negative_numbers = true
    )]
    pub precision: Option<f64>,
    /// With --precision: stop after M replications even if the target is not met,
    /// M ≥ 2. Default: 10000.
    #[arg(long, value_name = "M", requires = "precision")]
    pub max_reps: Option<u64>,
    /// After a complete run, draw SVG and PNG charts into OUT/plots (as `chipsim plot`).
    #[arg(long)]
    pub plots: bool,
    /// After a complete run, write the tables as one workbook, OUT/results.xlsx.
    #[arg(long)]
    pub xlsx: bool,
}

/// `I/N` with 0 ≤ I < N, or a usage error.
fn parse_shard(text: &str) -> Shard {
    let parsed = text
        .split_once('/')
        .and_then(|(i, n)| Some((i.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?)));
    match parsed {
        Some((index, count)) if index < count => Shard { index, count },
        _ => usage_error(format!(
            "--shard must be I/N with whole numbers 0 ≤ I < N (e.g. 0/4), got `{text}`"
        )),
    }
}

/// Checks every flag (usage error, exit 2, on a bad one) and builds the run options,
/// all but the output folder and scenario text.
fn checked_options(args: &RunArgs) -> RunOptions {
    let replications = args.reps.unwrap_or(DEFAULT_REPS);
    if replications == 0 {
        usage_error("--reps must be at least 1, got 0");
    }
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    if threads == 0 {
        usage_error("--threads must be at least 1, got 0");
    }
    let shard = args.shard.as_deref().map(parse_shard);
    if let Some(shard) = shard {
        if shard.index >= replications {
            usage_error(format!(
                "--shard {}/{} holds no replication: I must be below --reps ({replications})",
                shard.index, shard.count
            ));
        }
    }
    let precision = args.precision.map(|p| {
        if !(p.is_finite() && p > 0.0) {
            usage_error(format!(
                "--precision must be a number greater than 0 (e.g. 0.01 for ±1 %), got {p}"
            ));
        }
        let max_replications = args.max_reps.unwrap_or(DEFAULT_MAX_REPS);
        if max_replications < 2 {
            usage_error(format!(
                "--max-reps must be at least 2, got {max_replications}"
            ));
        }
        Precision {
            relative_half_width: p,
            max_replications,
        }
    });
    RunOptions {
        replications,
        base_seed: args.seed.unwrap_or(DEFAULT_SEED),
        threads,
        shard,
        precision,
        out_dir: PathBuf::new(),
        config_text: String::new(),
    }
}

/// `chipsim run`: checks the flags, loads the scenario (the embedded baseline when no
/// CONFIG is given) and runs it. The scenario's own `seed` and `replications` are the
/// defaults for `--seed` and `--reps`.
pub fn run(mut args: RunArgs) -> anyhow::Result<ExitCode> {
    // Flags are checked in `run_with`, once the scenario's defaults are in: a shard
    // index is checked against the file's replication count, not the built-in default.
    let scenario = match &args.config {
        Some(path) => chipsim::scenario::load(path)?,
        None => chipsim::scenario::baseline()?,
    };
    args.seed = args.seed.or(scenario.seed);
    if args.precision.is_none() {
        args.reps = args.reps.or(scenario.replications);
    }
    let model = chipsim::model::ScenarioModel::new(scenario.world);
    run_with(&model, &scenario.text, &args)
}

/// The default output folder `outputs/<scenario>`, if the name is one plain folder name.
fn default_out_dir(scenario: &str) -> anyhow::Result<PathBuf> {
    let mut components = Path::new(scenario).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(name)), None) if !scenario.contains(['/', '\\']) => {
            Ok(Path::new("outputs").join(name))
        }
        _ => anyhow::bail!(
            "the scenario name `{scenario}` is not a plain folder name; choose the output folder with --out"
        ),
    }
}

/// Starts a thread that sets [`CANCEL`] on the first Ctrl-C or SIGTERM and exits with
/// code 130 on the second. The handlers are installed before this returns.
pub(super) fn cancel_on_signals() -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the signal handler")?;
    let (mut interrupt, mut terminate) = {
        let _context = runtime.enter();
        (
            signal(SignalKind::interrupt()).context("cannot handle Ctrl-C")?,
            signal(SignalKind::terminate()).context("cannot handle SIGTERM")?,
        )
    };
    std::thread::Builder::new()
        .name("chipsim-signals".into())
        .spawn(move || {
            runtime.block_on(async move {
                for received in 1.. {
                    let signal = tokio::select! {
                        signal = interrupt.recv() => signal,
                        signal = terminate.recv() => signal,
                    };
                    if signal.is_none() {
                        return;
                    }
                    if received == 1 {
                        CANCEL.store(true, Ordering::SeqCst);
                        eprintln!(
                            "\ninterrupted: finishing the replications in flight, then writing the \
                             completed ones (interrupt again to quit without writing)"
                        );
                    } else {
                        std::process::exit(i32::from(EXIT_INTERRUPTED));
                    }
                }
            });
        })
        .context("cannot start the signal handler")?;
    Ok(())
}

/// Runs the batch of `replicator` (scenario text `config_text`, hashed into the
/// manifest) as `args` say. Exit code 0 when complete, 130 when interrupted.
pub fn run_with(
    replicator: &dyn Replicator,
    config_text: &str,
    args: &RunArgs,
) -> anyhow::Result<ExitCode> {
    let mut options = checked_options(args);
    options.out_dir = match &args.out {
        Some(out) => out.clone(),
        None => default_out_dir(&replicator.layout().scenario)?,
    };
    options.config_text = config_text.to_string();
    cancel_on_signals()?;

    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} replications  {per_sec}  ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let show = |progress: Progress| {
        if let Some(bar) = &bar {
            bar.set_length(progress.planned);
            bar.set_position(progress.completed);
        }
    };
    let control = RunControl {
        cancel: Some(&CANCEL),
        progress: bar.as_ref().map(|_| &show as &dyn Fn(Progress)),
    };
    let result = run_batch(replicator, &options, &control);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(RunError::NothingCompleted) => {
            eprintln!("{}", RunError::NothingCompleted);
            return Ok(ExitCode::from(EXIT_INTERRUPTED));
        }
        Err(error) => {
            return Err(error).with_context(|| format!("run into {}", options.out_dir.display()))
        }
    };
    if !args.quiet {
        eprintln!(
            "{} replications ({}, {}) in {:.1} s → {}",
            outcome.completed,
            outcome.status.label(),
            outcome.stop_rule.label(),
            outcome.wall_seconds,
            outcome.out_dir.display()
        );
    }
    if outcome.status == Status::Complete {
        let exports = super::plot::Exports {
            plots: args.plots,
            xlsx: args.xlsx,
            quiet: args.quiet,
        };
        exports.write(&outcome.out_dir)?;
    }
    Ok(match outcome.status {
        Status::Complete => ExitCode::SUCCESS,
        Status::Interrupted => ExitCode::from(EXIT_INTERRUPTED),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_out_dir_accepts_only_plain_names() {
        assert_eq!(
            default_out_dir("baseline").ok(),
            Some(PathBuf::from("outputs/baseline"))
        );
        for bad in ["", "..", ".", "a/b", "/etc", "a\\b"] {
            assert!(default_out_dir(bad).is_err(), "{bad:?}");
        }
    }
}
