//! All-or-nothing output folders. Files are written into a fresh hidden folder beside
//! the target (`.<name>.tmp-<pid>`); [`Staging::commit`] then brings into it every file
//! of the previous folder that the new outputs do not replace (charts, a workbook, a
//! comparison, the user's own files: hard links, or copies where a link is impossible),
//! renames the previous folder away (`.<name>.old-<pid>`), renames the new one into
//! place and deletes the old one. If anything fails before the swap, the previous
//! outputs stay exactly as they were and the temporary folder is removed (on drop), so
//! nothing half-written ever sits under the final name.
//!
//! Which folders may be replaced, and which of their files a new call replaces, is
//! decided in [`super::ownership`]: `--out .` or `--out ~` never wipes a user's folder,
//! and a rerun keeps the charts `chipsim plot` drew.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::contract::FolderKind;
use super::ownership::{check_not_owned, chipsim_manifest, occupant, Occupant};
use super::OutputError;

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
        occupant(target)?;
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
        // clean up: their process is gone, so their folders are garbage, or the
        // previous outputs to put back.
        remove_leftovers(&parent, &name, target);
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

    /// Swaps the temporary folder into place, keeping the previous folder's files that
    /// the new outputs do not own. On error the previous outputs are back under the
    /// target name and the temporary folder is removed.
    pub fn commit(mut self) -> Result<(), OutputError> {
        check_not_abandoned(&self.target)?;
        let previous = occupant(&self.target)?;
        if let Occupant::Chipsim(kind, manifest) = &previous {
            self.keep_files_not_owned(*kind, manifest)?;
        }
        let had_previous = !matches!(previous, Occupant::Absent);
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

    /// Brings into the new folder every file of the previous one (of `kind`, described
    /// by `manifest`) that the previous call did not write. Refuses when the new
    /// outputs are of another kind, or would take the name of such a file.
    fn keep_files_not_owned(
        &self,
        kind: FolderKind,
        manifest: &serde_json::Value,
    ) -> Result<(), OutputError> {
        let new_kind = chipsim_manifest(&self.temp)
            .and_then(|manifest| FolderKind::of_manifest(&manifest).ok());
        if new_kind != Some(kind) {
            return Err(OutputError::OtherKind {
                folder: self.target.clone(),
                found: kind.label().to_string(),
                wanted: new_kind.map_or("chipsim command", FolderKind::label),
            });
        }
        let entries = fs::read_dir(&self.target)
            .map_err(|error| OutputError::io("cannot read folder", &self.target, error))?;
        let mut kept: Vec<_> = entries
            .map(|entry| entry.map(|entry| entry.file_name()))
            .collect::<Result<_, _>>()
            .map_err(|error| OutputError::io("cannot read folder", &self.target, error))?;
        kept.retain(|name| !name.to_str().is_some_and(|name| kind.owns(manifest, name)));
        kept.sort();
        for name in kept {
            let (from, to) = (self.target.join(&name), self.temp.join(&name));
            if fs::symlink_metadata(&to).is_ok() {
                return Err(OutputError::Foreign {
                    folder: self.target.clone(),
                    file: from,
                });
            }
            link_tree(&from, &to).map_err(|error| {
                OutputError::io("cannot keep (in the new outputs)", &from, error)
            })?;
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

/// Makes `to` hold what `from` holds without touching `from`: folders are recreated,
/// files hard-linked (or copied where links are not possible), symbolic links copied.
fn link_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    let metadata = fs::symlink_metadata(from)?;
    if metadata.is_symlink() {
        std::os::unix::fs::symlink(fs::read_link(from)?, to)
    } else if metadata.is_dir() {
        fs::create_dir(to)?;
        for entry in fs::read_dir(from)? {
            let name = entry?.file_name();
            link_tree(&from.join(&name), &to.join(&name))?;
        }
        Ok(())
    } else {
        fs::hard_link(from, to).or_else(|_| fs::copy(from, to).map(drop))
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
/// this process's own leftovers are removed). An `.old` folder of a process killed
/// between its two renames holds the previous outputs: it is put back at `target`
/// when nothing is there.
fn remove_leftovers(parent: &Path, name: &str, target: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let leftover = [".tmp-", ".old-"].iter().find_map(|marker| {
            let pid = file_name.strip_prefix(&format!(".{name}{marker}"))?;
            Some((*marker, pid.parse::<u32>().ok()?))
        });
        let Some((marker, pid)) = leftover else {
            continue;
        };
        if Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }
        let restored = marker == ".old-"
            && fs::symlink_metadata(target).is_err()
            && fs::rename(entry.path(), target).is_ok();
        if !restored {
            let _ = remove_path(&entry.path());
        }
    }
}

/// Writes one file all or nothing: into a hidden temporary file beside `path`, then
/// renamed over it, so a reader never sees half of it. Refuses to replace one of an
/// output folder's own files (a run's table, a chart).
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    check_not_owned(path)?;
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
    use crate::output::contract::{MANIFEST_FILE, SUMMARY_FILE};

    fn write(path: &Path, text: &str) {
        fs::write(path, text).expect("write test file");
    }

    fn read(path: &Path) -> Option<String> {
        fs::read_to_string(path).ok()
    }

    /// A run's manifest, numbered.
    fn manifest(number: u32) -> String {
        format!("{{\"chipsim_version\": \"0.1.0\", \"n\": {number}}}\n")
    }

    fn names(dir: &Path) -> Vec<String> {
        let entries = fs::read_dir(dir).expect("list").flatten();
        let mut names: Vec<String> = (entries.map(|e| e.file_name()))
            .filter_map(|name| name.into_string().ok())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn commit_replaces_previous_outputs_and_keeps_other_files() {
        let root = tempfile::tempdir().expect("tempdir");
        let target = root.path().join("outputs").join("baseline");
        let first = Staging::create(&target).expect("stage");
        write(&first.path().join(MANIFEST_FILE), &manifest(1));
        write(&first.path().join(SUMMARY_FILE), "first");
        first.commit().expect("commit");
        // Files the run does not own: a chart folder and the user's notes.
        fs::create_dir(target.join("plots")).expect("mkdir");
        write(&target.join("plots").join("chart.svg"), "<svg/>");
        write(&target.join("notes.txt"), "mine");
        let second = Staging::create(&target).expect("stage");
        write(&second.path().join(MANIFEST_FILE), &manifest(2));
        assert_eq!(read(&target.join(MANIFEST_FILE)), Some(manifest(1)));
        second.commit().expect("commit");
        assert_eq!(read(&target.join(MANIFEST_FILE)), Some(manifest(2)));
        assert_eq!(
            names(&target),
            [MANIFEST_FILE, "notes.txt", "plots"],
            "the old summary is replaced, the rest kept"
        );
        assert_eq!(read(&target.join("notes.txt")).as_deref(), Some("mine"));
        assert_eq!(
            read(&target.join("plots").join("chart.svg")).as_deref(),
            Some("<svg/>")
        );
        assert_eq!(
            names(&root.path().join("outputs")),
            ["baseline"],
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
        assert!(matches!(error, OutputError::Foreign { .. }), "{error}");
        assert!(error.to_string().contains("notes.txt"), "{error}");
        let error = Staging::create(&root.path().join("notes.txt")).expect_err("a file");
        assert!(matches!(error, OutputError::NotAFolder { .. }), "{error}");
        // Someone else's manifest.json does not make a folder chipsim's.
        write(&root.path().join(MANIFEST_FILE), "{\"name\": \"theirs\"}");
        assert!(Staging::create(root.path()).is_err());
        assert_eq!(
            read(&root.path().join("notes.txt")).as_deref(),
            Some("mine")
        );
    }

    #[test]
    fn a_folder_of_another_kind_is_not_replaced() {
        let root = tempfile::tempdir().expect("tempdir");
        let target = root.path().join("sweep");
        fs::create_dir(&target).expect("mkdir");
        let sweep = "{\"chipsim_version\": \"0.1.0\", \"kind\": \"sweep\"}";
        write(&target.join(MANIFEST_FILE), sweep);
        let staging = Staging::create(&target).expect("chipsim's folder");
        write(&staging.path().join(MANIFEST_FILE), &manifest(1));
        let error = staging.commit().expect_err("a run into a sweep's folder");
        assert!(matches!(error, OutputError::OtherKind { .. }), "{error}");
        assert_eq!(read(&target.join(MANIFEST_FILE)).as_deref(), Some(sweep));
        assert_eq!(names(root.path()), ["sweep"]);
    }

    #[test]
    fn the_previous_outputs_of_a_killed_run_are_put_back() {
        let root = tempfile::tempdir().expect("tempdir");
        let target = root.path().join("run");
        // A process killed between moving the old outputs away and moving the new ones
        // in; pid 4194305 is above Linux's pid_max, so it never runs.
        let old = root.path().join(".run.old-4194305");
        fs::create_dir(&old).expect("mkdir");
        write(&old.join(MANIFEST_FILE), &manifest(1));
        write(&old.join("notes.txt"), "mine");
        let staging = Staging::create(&target).expect("stage");
        assert_eq!(read(&target.join("notes.txt")).as_deref(), Some("mine"));
        drop(staging);
        assert_eq!(names(root.path()), ["run"]);
    }

    #[test]
    fn single_files_never_replace_an_output_folders_own_files() {
        let root = tempfile::tempdir().expect("tempdir");
        write(&root.path().join(MANIFEST_FILE), &manifest(1));
        write(&root.path().join(SUMMARY_FILE), "table");
        let error = write_file_atomically(&root.path().join(SUMMARY_FILE), b"x")
            .expect_err("a run's table");
        assert!(matches!(error, OutputError::OwnFile { .. }), "{error}");
        assert_eq!(
            read(&root.path().join(SUMMARY_FILE)).as_deref(),
            Some("table")
        );
        write_file_atomically(&root.path().join("results.xlsx"), b"x").expect("not owned");
    }
}
