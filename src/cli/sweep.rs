//! `chipsim sweep CONFIG`: a sensitivity study described by the scenario's `[sweep]`
//! section (or by a sweep file naming its `base` scenario) into
//! `outputs/<scenario>-sweep/`, with one progress bar over the whole design on a
//! terminal. `--shard I/N` runs a share of the design points; `--merge DIR…` combines
//! the N shard folders into the outputs of one unsharded sweep; `--plots` then charts
//! it. A sweep is all or
//! nothing: Ctrl-C or SIGTERM leaves the previous outputs as they were.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use chipsim::output::{check_output_folder, FolderKind};
use chipsim::runner::{Progress, RunControl};
use chipsim::sweep::{merge_sweep, run_sweep, Study, SweepError, SweepOptions, SweepOutcome};

use super::flags::BatchFlags;
use super::{progress, signals, usage_error};

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario with a [sweep] section, or a sweep file holding `base = "<scenario>.toml"`
    /// (relative to the sweep file) and a [sweep] section.
    pub config: PathBuf,
    #[command(flatten)]
    pub batch: BatchFlags,
    /// Combine the folders written by `chipsim sweep CONFIG --shard I/N` (all N of them)
    /// into the outputs of one unsharded sweep; runs nothing.
    #[arg(
        long,
        value_name = "DIR",
        num_args = 1..,
        conflicts_with_all = ["reps", "seed", "threads", "shard"]
    )]
    pub merge: Vec<PathBuf>,
    /// After the sweep (or the merge), draw its tornado or Morris charts into OUT/plots
    /// (as `chipsim plot`). Not with --shard: a shard holds part of the design.
    #[arg(long, conflicts_with = "shard")]
    pub plots: bool,
}

/// `outputs/<scenario>-sweep` (scenario names are plain folder names, checked by the
/// scenario parser).
fn default_out_dir(study: &Study) -> PathBuf {
    Path::new("outputs").join(format!("{}-sweep", study.layout().scenario))
}

pub fn run(args: SweepArgs) -> anyhow::Result<ExitCode> {
    let study = Study::load(&args.config)?;
    super::warn(&study.base);
    let out_dir = args
        .batch
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&study));
    let inputs = [&study.source, &study.base.source].map(PathBuf::from);
    check_output_folder(
        &out_dir,
        FolderKind::Sweep,
        inputs.iter().chain(&args.merge),
    )?;
    signals::install(signals::Outputs::AllOrNothing)?;
    if !args.merge.is_empty() {
        let outcome = merge_sweep(&study, &args.merge, &out_dir)
            .with_context(|| format!("merge into {}", out_dir.display()))?;
        report(&args, "merged", &outcome);
        plots(&args, &outcome)?;
        return Ok(ExitCode::SUCCESS);
    }
    let options = SweepOptions {
        replications: args.batch.replications(study.replications()),
        base_seed: args.batch.base_seed(study.base.seed),
        threads: args.batch.threads(),
        shard: args.batch.shard,
        out_dir,
    };
    if let Err(SweepError::InvalidOption { option, message }) = options.validate(&study) {
        usage_error(format!("--{option}: {message}"));
    }
    let bar = progress::bar(args.batch.quiet, "replications over the design");
    let report_progress = |done: Progress| progress::show(&bar, done);
    let control = RunControl {
        cancel: Some(signals::stop_flag()),
        progress: bar.as_ref().map(|_| &report_progress as &dyn Fn(Progress)),
    };
    let result = run_sweep(&study, &options, &control);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let outcome = result.with_context(|| format!("sweep into {}", options.out_dir.display()))?;
    report(&args, "ran", &outcome);
    plots(&args, &outcome)?;
    Ok(ExitCode::SUCCESS)
}

/// The charts of the finished sweep, with `--plots`.
fn plots(args: &SweepArgs, outcome: &SweepOutcome) -> anyhow::Result<()> {
    let exports = super::plot::Exports {
        plots: args.plots,
        xlsx: false,
        quiet: args.batch.quiet,
    };
    exports.write(&outcome.out_dir)
}

/// The closing line, unless `--quiet`.
fn report(args: &SweepArgs, verb: &str, outcome: &SweepOutcome) {
    if args.batch.quiet {
        return;
    }
    let share = if outcome.points_held == outcome.points {
        String::new()
    } else {
        format!(" of {}", outcome.points)
    };
    note!(
        "{verb} {}{share} design points × {} replications in {:.1} s → {}",
        outcome.points_held,
        outcome.replications,
        outcome.wall_seconds,
        outcome.out_dir.display()
    );
}
