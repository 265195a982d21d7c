//! The progress bar of `run` and `sweep`: shown on a terminal only (not with `--quiet`,
//! nor when standard error is a file), moved by the runner's progress reports.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use chipsim::runner::Progress;

/// A bar counting `what` ("replications"), if one should show.
pub fn bar(quiet: bool, what: &str) -> Option<ProgressBar> {
    (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{bar:40}} {{pos}}/{{len}} {what}  {{per_sec}}  ETA {{eta}}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    })
}

/// Moves `bar` (if any) to `progress`.
pub fn show(bar: &Option<ProgressBar>, progress: Progress) {
    if let Some(bar) = bar {
        bar.set_length(progress.planned);
        bar.set_position(progress.completed);
    }
}
