//! `chipsim report OUTDIR`: one self-contained `OUTDIR/report.html` of everything the
//! folder holds (see [`chipsim::report::write_report`]). After Ctrl-C or SIGTERM it
//! writes nothing (see [`super::signals`]).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output folder of a run, a merge or a sweep (with compare.csv beside a run's
    /// outputs, the comparison too).
    #[arg(value_name = "OUTDIR")]
    pub dir: PathBuf,
    /// The scenario file the run was made from, for its question and description.
    /// Default: found by the manifest's config hash (the built-in baseline, or a file
    /// under ./configs).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    super::signals::install(super::signals::Outputs::AllOrNothing)?;
    let outcome = chipsim::report::write_report(&args.dir, args.config.as_deref())?;
    if let Some(code) = super::signals::interrupted() {
        return Ok(code);
    }
    for line in &outcome.notes {
        note!("note: {line}");
    }
    note!(
        "report with {} charts → {}",
        outcome.charts,
        outcome.path.display()
    );
    Ok(ExitCode::SUCCESS)
}
