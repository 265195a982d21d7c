//! `chipsim plot`: SVG and PNG charts of a finished output folder into `OUTDIR/plots/`;
//! and [`Exports`], the charts and workbook that `run`, `merge` (and a sweep) write
//! into their folder when asked with `--plots` and `--xlsx`. All or nothing: Ctrl-C or
//! SIGTERM during `chipsim plot` leaves the previous charts as they were (see
//! [`super::signals`]).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

#[derive(Debug, Args)]
pub struct PlotArgs {
    /// Output folder of a run, merge or sweep (with a compare.csv beside a run's
    /// outputs, its paired differences are charted too).
    #[arg(value_name = "OUTDIR")]
    pub out_dir: PathBuf,
}

/// What to write into a finished output folder besides the CSV files.
#[derive(Debug, Clone, Copy)]
pub struct Exports {
    /// Charts into `plots/` (`--plots`).
    pub plots: bool,
    /// `results.xlsx` (`--xlsx`).
    pub xlsx: bool,
    /// No closing lines (notes on skipped charts still show).
    pub quiet: bool,
}

impl Exports {
    /// Writes what was asked for into `out_dir`, saying on standard error where it went.
    pub fn write(self, out_dir: &Path) -> anyhow::Result<()> {
        if self.xlsx {
            let path = chipsim::output::write_workbook(out_dir)
                .with_context(|| format!("workbook of {}", out_dir.display()))?;
            if !self.quiet {
                note!("workbook → {}", path.display());
            }
        }
        if self.plots {
            let report = chipsim::plot::write_plots(out_dir)
                .with_context(|| format!("plot {}", out_dir.display()))?;
            for note in &report.notes {
                note!("note: {note}");
            }
            if !self.quiet {
                note!(
                    "{} charts (SVG and PNG) → {}",
                    report.charts.len(),
                    report.dir.display()
                );
            }
        }
        Ok(())
    }
}

pub fn run(args: PlotArgs) -> anyhow::Result<ExitCode> {
    super::signals::install(super::signals::Outputs::AllOrNothing)?;
    let exports = Exports {
        plots: true,
        xlsx: false,
        quiet: false,
    };
    exports.write(&args.out_dir)?;
    Ok(ExitCode::SUCCESS)
}
