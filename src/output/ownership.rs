//! Which folders and files chipsim may replace, so that no command deletes or
//! overwrites a file chipsim did not write.
//!
//! - A folder is chipsim's when its `manifest.json` carries `chipsim_version`
//!   ([`OWNER_FIELD`]); its kind (run, sweep, plots) is the manifest's `kind`
//!   ([`FolderKind::of_manifest`]). An output folder is replaced only when it does not
//!   exist, is empty, or is chipsim's and of the same kind; otherwise the command
//!   refuses, naming the folder and its first foreign file.
//! - Replacing keeps every file the folder's kind does not own ([`FolderKind::owns`]):
//!   charts, workbooks, comparisons and the user's own files survive a rerun.
//! - An output folder never contains an input of the same call (a scenario file, a
//!   shard folder being merged); a single output file (`compare.csv`, a trace) is never
//!   one of an output folder's own files, so a run's tables and its manifest always
//!   agree.

use std::fs;
use std::path::{Component, Path, PathBuf};

use super::contract::{FolderKind, MANIFEST_FILE, OWNER_FIELD};
use super::OutputError;

/// What sits at an output path.
#[derive(Debug)]
pub(crate) enum Occupant {
    /// Nothing: the folder will be created.
    Absent,
    /// An empty folder.
    Empty,
    /// A folder chipsim wrote, of this kind, with its manifest.
    Chipsim(FolderKind, serde_json::Value),
}

/// What is at `folder`, or the error that refuses to replace it: a file, a folder
/// chipsim did not write, or one of a kind this chipsim does not know.
pub(crate) fn occupant(folder: &Path) -> Result<Occupant, OutputError> {
    let Ok(metadata) = fs::metadata(folder) else {
        return Ok(Occupant::Absent);
    };
    if !metadata.is_dir() {
        return Err(OutputError::NotAFolder {
            path: folder.to_path_buf(),
        });
    }
    let mut names: Vec<_> = fs::read_dir(folder)
        .map_err(|error| OutputError::io("cannot read folder", folder, error))?
        .map(|entry| entry.map(|entry| entry.file_name()))
        .collect::<Result<_, _>>()
        .map_err(|error| OutputError::io("cannot read folder", folder, error))?;
    if names.is_empty() {
        return Ok(Occupant::Empty);
    }
    if let Some(manifest) = chipsim_manifest(folder) {
        return match FolderKind::of_manifest(&manifest) {
            Ok(kind) => Ok(Occupant::Chipsim(kind, manifest)),
            Err(found) => Err(OutputError::UnknownKind {
                folder: folder.to_path_buf(),
                found,
            }),
        };
    }
    names.sort();
    Err(OutputError::Foreign {
        folder: folder.to_path_buf(),
        file: folder.join(&names[0]),
    })
}

/// The folder's `manifest.json` when chipsim wrote it.
pub(crate) fn chipsim_manifest(folder: &Path) -> Option<serde_json::Value> {
    let text = fs::read_to_string(folder.join(MANIFEST_FILE)).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&text).ok()?;
    manifest.get(OWNER_FIELD)?.as_str()?;
    Some(manifest)
}

/// Checks, before any work, that the outputs of a `kind` call may go into `folder`:
/// it does not exist, is empty, or holds chipsim outputs of the same kind, and it holds
/// none of `inputs` (the call's scenario files, shard or run folders).
pub fn check_output_folder<P: AsRef<Path>>(
    folder: &Path,
    kind: FolderKind,
    inputs: impl IntoIterator<Item = P>,
) -> Result<(), OutputError> {
    let resolved = resolve(folder);
    for input in inputs {
        let input = input.as_ref();
        let inside = input
            .canonicalize()
            .is_ok_and(|input| input.starts_with(&resolved));
        if inside {
            return Err(OutputError::HoldsInput {
                folder: folder.to_path_buf(),
                input: input.to_path_buf(),
            });
        }
    }
    match occupant(folder)? {
        Occupant::Chipsim(found, _) if found != kind => Err(OutputError::OtherKind {
            folder: folder.to_path_buf(),
            found: found.label().to_string(),
            wanted: kind.label(),
        }),
        _ => Ok(()),
    }
}

/// The absolute path `path` names, with every symbolic link resolved as far as the
/// path exists (the rest of it is taken as written).
fn resolve(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut resolved = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                resolved.pop();
            }
            Component::CurDir => {}
            part => resolved.push(part),
        }
        if let Ok(real) = resolved.canonicalize() {
            resolved = real;
        }
    }
    resolved
}

/// Refuses to write the single file `path` over one of a chipsim folder's own files
/// (a run's tables or manifest, a chart): a comparison or a trace never replaces what
/// a run wrote.
pub(crate) fn check_not_owned(path: &Path) -> Result<(), OutputError> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return Ok(());
    };
    let Some(manifest) = chipsim_manifest(parent) else {
        return Ok(());
    };
    match FolderKind::of_manifest(&manifest) {
        Ok(kind) if !kind.owns(&manifest, name) => Ok(()),
        owner => Err(OutputError::OwnFile {
            path: path.to_path_buf(),
            owner: owner.map_or_else(|other| other, |kind| kind.label().to_string()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_follows_the_existing_part_of_a_path() {
        let root = tempfile::tempdir().expect("tempdir");
        let real = root.path().canonicalize().expect("canonical");
        assert_eq!(resolve(&root.path().join("a/b")), real.join("a").join("b"));
        assert_eq!(resolve(&root.path().join("a/../c")), real.join("c"));
        fs::create_dir(root.path().join("real")).expect("mkdir");
        std::os::unix::fs::symlink(root.path().join("real"), root.path().join("link"))
            .expect("symlink");
        assert_eq!(
            resolve(&root.path().join("link/x")),
            real.join("real").join("x")
        );
    }

    #[test]
    fn inputs_inside_the_output_folder_are_refused() {
        let root = tempfile::tempdir().expect("tempdir");
        let scenario = root.path().join("s.toml");
        fs::write(&scenario, "name = \"s\"\n").expect("write");
        let error = check_output_folder(root.path(), FolderKind::Run, [&scenario])
            .expect_err("holds its input");
        assert!(matches!(error, OutputError::HoldsInput { .. }), "{error}");
        let elsewhere = root.path().join("out");
        assert!(check_output_folder(&elsewhere, FolderKind::Run, [&scenario]).is_ok());
        // A folder that contains the output folder is no input inside it.
        assert!(check_output_folder(&elsewhere, FolderKind::Run, [root.path()]).is_ok());
    }
}
