//! All-or-nothing output folders. Files are written into a fresh hidden folder beside
//! the target (`.<name>.tmp-<pid>`); [`Staging::commit`] then renames the previous
//! outputs away (`.<name>.old-<pid>`), renames the new folder into place and deletes the
//! old one. If anything fails before the swap, the previous outputs stay exactly as they
//! were and the temporary folder is removed (on drop), so nothing half-written ever sits
//! under the final name.
//!
//! An existing target is replaced only if it is empty or holds a `manifest.json` (a
//! previous chipsim output): `--out .` or `--out ~` must never wipe a user's folder.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::{OutputError, MANIFEST_FILE};

/// Set by [`abandon_outputs`]: no output is moved into place afterwards.
static ABANDONED: AtomicBool = AtomicBool::new(false);

/// From now on, nothing is committed: every [`Staging::commit`] and
/// [`write_file_atomically`] fails, leaving the previous outputs as they were (and the
/// temporary folder or file removed). A command whose outputs are all or nothing calls
/// this on its first Ctrl-C or SIGTERM.
pub fn abandon_outputs() {
    ABANDONED.store(true, Ordering::SeqCst);
}

/// Fails once [`abandon_outputs`] was called.
fn check_not_abandoned(target: &Path) -> Result<(), OutputError> {
    if ABANDONED.load(Ordering::SeqCst) {
        return Err(OutputError::io(
            "interrupted: nothing written to",
            target,
            std::io::ErrorKind::Interrupted.into(),
        ));
    }
    Ok(())
}

/// A temporary output folder that becomes the target on [`Staging::commit`].
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    temp: PathBuf,
    old: PathBuf,
    /// Parent folders created for the target, deepest first.
    created: Vec<PathBuf>,
    committed: bool,
}

impl Staging {
    /// Creates the temporary folder beside `target` (creating `target`'s parent folders
    /// if needed). Fails early, before any replication runs, if the target could not be
    /// replaced or the folder cannot be written.
    pub fn create(target: &Path) -> Result<Staging, OutputError> {
        let name = target
            .file_name()
            .ok_or_else(|| OutputError::format(target, "not a folder name"))?
            .to_string_lossy()
            .into_owned();
        let parent = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        check_replaceable(target)?;
        // The folders this creates, deepest first, to remove again if nothing is committed.
        let created: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
            .map(Path::to_path_buf)
            .collect();
        fs::create_dir_all(&parent)
            .map_err(|error| OutputError::io("cannot create folder", &parent, error))?;
        let pid = std::process::id();
        let temp = parent.join(format!(".{name}.tmp-{pid}"));
        let old = parent.join(format!(".{name}.old-{pid}"));
        // Leftovers of runs that were killed (kill -9, power loss) before they could
        // clean up: their process is gone, so their folders are garbage.
        remove_leftovers(&parent, &name);
        remove_path(&temp).map_err(|error| OutputError::io("cannot remove", &temp, error))?;
        fs::create_dir(&temp)
            .map_err(|error| OutputError::io("cannot create folder", &temp, error))?;
        Ok(Staging {
            target: target.to_path_buf(),
            temp,
            old,
            created,
            committed: false,
        })
    }

    /// The temporary folder to write into.
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Swaps the temporary folder into place. On error the previous outputs are back
    /// under the target name and the temporary folder is removed.
    pub fn commit(mut self) -> Result<(), OutputError> {
        check_not_abandoned(&self.target)?;
        check_replaceable(&self.target)?;
        let had_previous = self.target.exists();
        if had_previous {
            remove_path(&self.old)
                .map_err(|error| OutputError::io("cannot remove", &self.old, error))?;
            fs::rename(&self.target, &self.old).map_err(|error| {
                OutputError::io(
                    "cannot move the previous outputs away from",
                    &self.target,
                    error,
                )
            })?;
        }
        if let Err(error) = fs::rename(&self.temp, &self.target) {
            if had_previous {
                // Put the previous outputs back; if even that fails, say where they are.
                if let Err(restore) = fs::rename(&self.old, &self.target) {
                    return Err(OutputError::io(
                        "cannot restore the previous outputs, which are kept in",
                        &self.old,
                        restore,
                    ));
                }
            }
            return Err(OutputError::io(
                "cannot move the new outputs to",
                &self.target,
                error,
            ));
        }
        self.committed = true;
        if had_previous {
            // The new outputs are in place; a leftover hidden folder is only untidy.
            let _ = fs::remove_dir_all(&self.old);
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.temp);
            // Leave no empty `outputs/` behind a run that wrote nothing.
            for folder in &self.created {
                if fs::remove_dir(folder).is_err() {
                    break;
                }
            }
        }
    }
}

/// A target may be replaced when it does not exist, or is a folder that is empty or
/// holds a chipsim manifest.
fn check_replaceable(target: &Path) -> Result<(), OutputError> {
    let Ok(metadata) = fs::metadata(target) else {
        return Ok(());
    };
    if !metadata.is_dir() {
        return Err(OutputError::NotOutputFolder {
            path: target.to_path_buf(),
        });
    }
    let mut entries = fs::read_dir(target)
        .map_err(|error| OutputError::io("cannot read folder", target, error))?;
    if entries.next().is_none() || target.join(MANIFEST_FILE).is_file() {
        Ok(())
    } else {
        Err(OutputError::NotOutputFolder {
            path: target.to_path_buf(),
        })
    }
}

/// Removes a file or folder if it exists.
fn remove_path(path: &Path) -> std::io::Result<()> {
    match fs::symlink_metadata(path) {
        Err(_) => Ok(()),
        Ok(metadata) if metadata.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
    }
}

/// Removes `.<name>.tmp-<pid>` and `.<name>.old-<pid>` folders in `parent` whose
/// process no longer runs (checked through `/proc`, so only on Linux; elsewhere only
/// this process's own leftovers are removed).
fn remove_leftovers(parent: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let pid = [".tmp-", ".old-"].iter().find_map(|marker| {
            file_name
                .strip_prefix(&format!(".{name}{marker}"))
                .and_then(|pid| pid.parse::<u32>().ok())
        });
        if let Some(pid) = pid {
            if !Path::new("/proc").join(pid.to_string()).exists() {
                let _ = remove_path(&entry.path());
            }
        }
    }
}

/// Writes one file all or nothing: into a hidden temporary file beside `path`, then
/// renamed over it, so a reader never sees half of it.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let name = path
        .file_name()
        .ok_or_else(|| OutputError::format(path, "not a file name"))?
        .to_string_lossy()
        .into_owned();
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let temp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = fs::write(&temp, bytes)
        .map_err(|error| OutputError::io("cannot write", &temp, error))
        .and_then(|()| check_not_abandoned(path))
        .and_then(|()| {
            fs::rename(&temp, path).map_err(|error| OutputError::io("cannot write", path, error))
        });
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        fs::write(path, text).expect("write test file");
    }

    #[test]
    fn commit_replaces_previous_outputs() {
        let root = tempfile::tempdir().expect("tempdir");
        let target = root.path().join("outputs").join("baseline");
        let first = Staging::create(&target).expect("stage");
        write(&first.path().join(MANIFEST_FILE), "1");
        first.commit().expect("commit");
        let second = Staging::create(&target).expect("stage");
        write(&second.path().join(MANIFEST_FILE), "2");
        assert_eq!(
            fs::read_to_string(target.join(MANIFEST_FILE))
                .ok()
                .as_deref(),
            Some("1")
        );
        second.commit().expect("commit");
        assert_eq!(
            fs::read_to_string(target.join(MANIFEST_FILE))
                .ok()
                .as_deref(),
            Some("2")
        );
        let names: Vec<_> = fs::read_dir(root.path().join("outputs"))
            .expect("list")
            .map(|entry| entry.expect("entry").file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("baseline")],
            "no leftovers"
        );
    }

    #[test]
    fn dropped_staging_leaves_no_trace() {
        let root = tempfile::tempdir().expect("tempdir");
        let target = root.path().join("run");
        let staging = Staging::create(&target).expect("stage");
        write(&staging.path().join("summary.csv"), "half");
        drop(staging);
        assert_eq!(fs::read_dir(root.path()).expect("list").count(), 0);
    }

    #[test]
    fn foreign_folders_and_files_are_not_replaced() {
        let root = tempfile::tempdir().expect("tempdir");
        write(&root.path().join("notes.txt"), "mine");
        let error = Staging::create(root.path()).expect_err("foreign folder");
        assert!(
            matches!(error, OutputError::NotOutputFolder { .. }),
            "{error}"
        );
        let error = Staging::create(&root.path().join("notes.txt")).expect_err("a file");
        assert!(
            matches!(error, OutputError::NotOutputFolder { .. }),
            "{error}"
        );
        assert_eq!(
            fs::read_to_string(root.path().join("notes.txt"))
                .ok()
                .as_deref(),
            Some("mine")
        );
    }
}
