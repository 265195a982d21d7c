//! `chipsim sweep CONFIG`: a sensitivity study described by the scenario's `[sweep]`
//! section (or by a sweep file naming its `base` scenario) into
//! `outputs/<scenario>-sweep/`, with one progress bar over the whole design on a
//! terminal. `--shard I/N` runs a share of the design points; `--merge DIR…` combines
//! the N shard folders into the outputs of one unsharded sweep.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use chipsim::output::{check_output_folder, FolderKind};
use chipsim::runner::{Progress, RunControl, Shard};
use chipsim::sweep::{merge_sweep, run_sweep, Study, SweepOptions, SweepOutcome};

use super::usage_error;

/// Replications per point when neither the flag nor the file gives them.
const DEFAULT_REPS: u64 = 100;
/// Base seed when neither the flag nor the scenario gives one.
const DEFAULT_SEED: u64 = 1;

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario with a [sweep] section, or a sweep file holding `base = "<scenario>.toml"`
    /// (relative to the sweep file) and a [sweep] section.
    pub config: PathBuf,
    /// Replications per design point, at least 1. Default: [sweep] replications, else
    /// the scenario's, else 100.
    #[arg(long)]
    pub reps: Option<u64>,
    /// Base seed: every design point runs the replications seeded from it (common random
    /// numbers), and random designs draw their points from it. Default: the scenario's
    /// seed, else 1.
    #[arg(long, value_parser = chipsim::output::parse_seed)]
    pub seed: Option<u64>,
    /// Worker threads, at least 1. Default: the number of available cores.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder. Default: outputs/<scenario name>-sweep.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only design points I, I+N, I+2N, … (0 ≤ I < N) with all their replications;
    /// combine the N shard folders with --merge.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Combine the folders written by `chipsim sweep CONFIG --shard I/N` (all N of them)
    /// into the outputs of one unsharded sweep; runs nothing.
    #[arg(
        long,
        value_name = "DIR",
        num_args = 1..,
        conflicts_with_all = ["reps", "seed", "threads", "shard"]
    )]
    pub merge: Vec<PathBuf>,
    /// No progress bar and no closing line.
    #[arg(long)]
    pub quiet: bool,
}

/// Checks the flags (usage error, exit 2, naming the flag and its range).
fn checked_flags(args: &SweepArgs) -> Option<Shard> {
    if args.reps == Some(0) {
        usage_error("--reps must be at least 1, got 0");
    }
    if args.threads == Some(0) {
        usage_error("--threads must be at least 1, got 0");
    }
    args.shard.as_deref().map(|text| {
        text.parse::<Shard>()
            .unwrap_or_else(|message| usage_error(message))
    })
}

/// `outputs/<scenario>-sweep` (scenario names are plain folder names, checked by the
/// scenario parser).
fn default_out_dir(study: &Study) -> PathBuf {
    Path::new("outputs").join(format!("{}-sweep", study.layout().scenario))
}

pub fn run(args: SweepArgs) -> anyhow::Result<ExitCode> {
    let shard = checked_flags(&args);
    let study = Study::load(&args.config)?;
    let out_dir = args.out.clone().unwrap_or_else(|| default_out_dir(&study));
    let inputs = [&study.source, &study.base.source].map(PathBuf::from);
    check_output_folder(
        &out_dir,
        FolderKind::Sweep,
        inputs.iter().chain(&args.merge),
    )?;
    if !args.merge.is_empty() {
        let outcome = merge_sweep(&study, &args.merge, &out_dir)
            .with_context(|| format!("merge into {}", out_dir.display()))?;
        report(&args, "merged", &outcome);
        return Ok(ExitCode::SUCCESS);
    }
    let options = SweepOptions {
        replications: args.reps.or(study.replications()).unwrap_or(DEFAULT_REPS),
        base_seed: args.seed.or(study.base.seed).unwrap_or(DEFAULT_SEED),
        threads: args.threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        }),
        shard,
        out_dir,
    };
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} replications over the design  {per_sec}  ETA {eta}",
            )
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
        cancel: None,
        progress: bar.as_ref().map(|_| &show as &dyn Fn(Progress)),
    };
    let result = run_sweep(&study, &options, &control);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let outcome = result.with_context(|| format!("sweep into {}", options.out_dir.display()))?;
    report(&args, "ran", &outcome);
    Ok(ExitCode::SUCCESS)
}

/// The closing line, unless `--quiet`.
fn report(args: &SweepArgs, verb: &str, outcome: &SweepOutcome) {
    if args.quiet {
        return;
    }
    let share = if outcome.points_held == outcome.points {
        String::new()
    } else {
        format!(" of {}", outcome.points)
    };
    eprintln!(
        "{verb} {}{share} design points × {} replications in {:.1} s → {}",
        outcome.points_held,
        outcome.replications,
        outcome.wall_seconds,
        outcome.out_dir.display()
    );
}
