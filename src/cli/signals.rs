//! Ctrl-C and SIGTERM, handled alike by every command that writes outputs. The first
//! signal asks the command to stop:
//!
//! - `run` ([`Outputs::KeepCompleted`]) stops starting replications, lets those in
//!   flight finish and writes the completed prefix with status `interrupted`;
//! - `sweep`, `merge`, `plot` and `compare` ([`Outputs::AllOrNothing`]) stop and write
//!   nothing: no output folder or file is replaced after the signal (see
//!   [`chipsim::output::abandon_outputs`]), so the previous outputs stay as they were
//!   and the temporary folder is removed on the way out.
//!
//! Either way the exit code is then 128 + the signal's number: 130 after Ctrl-C, 143
//! after SIGTERM. A second signal exits at once, writing nothing; a temporary folder it
//! leaves is removed by the next write to the same place.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use anyhow::Context as _;

/// Set by the first signal: the runner and the sweep stop at their next step.
static STOP: AtomicBool = AtomicBool::new(false);
/// The first signal's number, 0 before one arrives.
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// What a command does with its outputs when it is interrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outputs {
    /// Write what is complete (a run's completed replications).
    KeepCompleted,
    /// Write nothing; keep the previous outputs.
    AllOrNothing,
}

/// The flag the runner and the sweep poll: set once a signal arrives.
pub fn stop_flag() -> &'static AtomicBool {
    &STOP
}

/// The exit code after a signal (128 + its number), if one arrived.
pub fn interrupted() -> Option<ExitCode> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(ExitCode::from(128 + signal as u8)),
    }
}

/// Handles Ctrl-C and SIGTERM on a thread of their own, as the module documentation
/// says; the handlers are installed before this returns.
pub fn install(outputs: Outputs) -> anyhow::Result<()> {
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
                loop {
                    let number = tokio::select! {
                        got = interrupt.recv() => got.map(|()| SignalKind::interrupt()),
                        got = terminate.recv() => got.map(|()| SignalKind::terminate()),
                    };
                    let Some(kind) = number else {
                        return;
                    };
                    let number = kind.as_raw_value();
                    if RECEIVED
                        .compare_exchange(0, number, Ordering::SeqCst, Ordering::SeqCst)
                        .is_err()
                    {
                        std::process::exit(128 + RECEIVED.load(Ordering::SeqCst));
                    }
                    stop(outputs);
                }
            });
        })
        .context("cannot start the signal handler")?;
    Ok(())
}

/// The first signal: stop, and say what happens to the outputs.
fn stop(outputs: Outputs) {
    if outputs == Outputs::AllOrNothing {
        chipsim::output::abandon_outputs();
    }
    STOP.store(true, Ordering::SeqCst);
    eprintln!(
        "\n{}",
        match outputs {
            Outputs::KeepCompleted =>
                "interrupted: finishing the replications in flight, then writing the completed \
                 ones (interrupt again to quit without writing)",
            Outputs::AllOrNothing =>
                "interrupted: stopping without writing; the previous outputs stay as they were \
                 (interrupt again to quit at once)",
        }
    );
}
