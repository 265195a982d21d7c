//! Scenario files: parse the TOML, validate it, and resolve it into the model's
//! parameters, with errors that name the file, the line and the field.
//!
//! Two stages, so that types and values are checked separately: serde with
//! `deny_unknown_fields` into [`raw`] structs (syntax, unknown fields, wrong types),
//! then [`validate`] into a [`World`] (ranges, dates, ids, references, routes). Either
//! stage's error is located in the file by [`locate`].

pub mod locate;
pub mod raw;
pub mod validate;

use std::path::Path;

use crate::model::World;

use locate::{FieldPath, SourceMap};

/// The baseline scenario shipped with chipsim, used when `run` is given no CONFIG.
pub const BASELINE: &str = include_str!("../../configs/baseline.toml");
/// Where the baseline lives in the repository (for messages and manifests).
pub const BASELINE_PATH: &str = "configs/baseline.toml";

/// Largest scenario file accepted (bytes).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A scenario that cannot be used. The message says where and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file cannot be read.
    #[error("{file}: cannot read the scenario: {source}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is too large to be a scenario.
    #[error("{file}: the file is {bytes} bytes; a scenario may be at most {MAX_FILE_BYTES} bytes")]
    TooLarge {
        /// The file.
        file: String,
        /// Its size.
        bytes: u64,
    },
    /// The file is not UTF-8 text.
    #[error(
        "{file}: not a text file: a scenario must be UTF-8 TOML (invalid byte at offset {offset})"
    )]
    NotText {
        /// The file.
        file: String,
        /// First invalid byte.
        offset: usize,
    },
    /// Syntax, unknown field or wrong type.
    #[error("{file}:{line}: {field}{message}")]
    Parse {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// `field: ` or empty.
        field: String,
        /// What the parser said.
        message: String,
    },
    /// A value outside its allowed range, an unknown reference, and the like.
    #[error("{file}:{line}: {field}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// The field path.
        field: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

/// A parsed and validated scenario, with the text it came from.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where it came from.
    pub source: String,
    /// The file's text (hashed into the manifest).
    pub text: String,
    /// Defaults for `run` from the file.
    pub replications: Option<u64>,
    /// Default seed from the file.
    pub seed: Option<u64>,
    /// Free-text description.
    pub description: Option<String>,
    /// The model's parameters.
    pub world: World,
}

/// Reads and validates the scenario at `path`.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let read = |source| ScenarioError::Read {
        file: file.clone(),
        source,
    };
    let bytes = path.metadata().map_err(read)?.len();
    if bytes > MAX_FILE_BYTES {
        return Err(ScenarioError::TooLarge { file, bytes });
    }
    let data = std::fs::read(path).map_err(read)?;
    let text = String::from_utf8(data).map_err(|e| ScenarioError::NotText {
        file: file.clone(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    parse(&text, &file)
}

/// The embedded baseline scenario.
pub fn baseline() -> Result<Scenario, ScenarioError> {
    parse(BASELINE, BASELINE_PATH)
}

/// Parses and validates scenario `text`; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let raw: raw::RawScenario = toml::from_str(text).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        let field = SourceMap::new(text)
            .path_at(offset)
            .map(|path| format!("{path}: "))
            .unwrap_or_default();
        ScenarioError::Parse {
            file: file.to_string(),
            line: locate::line_of_offset(text, offset),
            field,
            message: with_suggestion(error.message().trim_end()),
        }
    })?;
    let world = validate::validate(&raw)
        .map_err(|invalid| located(text, file, &invalid.path, invalid.message))?;
    Ok(Scenario {
        source: file.to_string(),
        text: text.to_string(),
        replications: raw.replications,
        seed: raw.seed,
        description: raw.description,
        world,
    })
}

fn located(text: &str, file: &str, path: &FieldPath, message: String) -> ScenarioError {
    ScenarioError::Invalid {
        file: file.to_string(),
        line: SourceMap::new(text).line_of(path).unwrap_or(0),
        field: path.to_string(),
        message,
    }
}

/// Appends "did you mean `x`?" to serde's unknown-field and unknown-variant messages,
/// naming the expected name closest to the misspelt one (by edit distance).
fn with_suggestion(message: &str) -> String {
    let Some(rest) = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))
    else {
        return message.to_string();
    };
    let Some((wrong, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let nearest = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|candidate| (edit_distance(wrong, candidate), candidate))
        .min();
    match nearest {
        Some((distance, candidate)) if distance <= wrong.len().max(3) / 2 => {
            format!("{message} (did you mean `{candidate}`?)")
        }
        _ => message.to_string(),
    }
}

/// Levenshtein distance between two short names (for "did you mean" hints).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(ca != cb))
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_field() {
        let message = "unknown field `wafer_starts_per_weak`, expected one of `id`, `wafer_starts_per_week`, `yield`";
        assert!(with_suggestion(message).ends_with("(did you mean `wafer_starts_per_week`?)"));
        let far = "unknown field `zzzzzz`, expected one of `id`, `yield`";
        assert_eq!(with_suggestion(far), far);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
