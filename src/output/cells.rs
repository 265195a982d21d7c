//! How a value becomes a cell, the same in every CSV file: numbers, undefined values,
//! seeds and text.
//!
//! - numbers use `.` decimals, no thousands separator, and Rust's shortest
//!   representation that reads back to the same `f64` (e.g. `0.30000000000000004`);
//! - an undefined number (NaN: a metric a replication could not define, a standard
//!   deviation of one value) is an empty cell;
//! - seeds are written by [`seed_text`] and read back by [`parse_seed`];
//! - dates are ISO `YYYY-MM-DD`;
//! - every text cell goes through [`neutralise`], so no spreadsheet runs it as a formula.

use std::borrow::Cow;

/// Makes a text cell safe to open in a spreadsheet: a cell beginning with `=`, `+`, `-`,
/// `@`, a tab or a carriage return would be read as a formula (or start one), so it gets
/// a leading `'`, which spreadsheets show as text. Every text cell of every CSV goes
/// through here; it is idempotent.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// A text cell: `text` through [`neutralise`].
pub(crate) fn text(text: &str) -> String {
    neutralise(text).into_owned()
}

/// A number cell: empty when undefined (NaN), else the shortest text that reads back to
/// the same value.
pub(crate) fn number(value: f64) -> String {
    if value.is_nan() {
        String::new()
    } else {
        format!("{value}")
    }
}

/// A seed cell, as `--seed` accepts it back ([`parse_seed`]).
pub fn seed_text(seed: u64) -> String {
    seed.to_string()
}

/// A seed as written by [`seed_text`] (or typed: a whole number from 0 to 2⁶⁴ − 1).
pub fn parse_seed(text: &str) -> Result<u64, SeedError> {
    text.trim().parse().map_err(|_| SeedError {
        text: text.to_string(),
    })
}

/// Text that is not a seed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a seed: give a whole number from 0 to 18446744073709551615")]
pub struct SeedError {
    /// The text given.
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised() {
        for (raw, safe) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
        ] {
            assert_eq!(neutralise(raw), safe);
            assert_eq!(neutralise(safe), safe, "idempotent");
        }
        for plain in ["baseline", "", "a=b", "1", "'quoted", "über"] {
            assert_eq!(neutralise(plain), plain);
        }
    }

    #[test]
    fn numbers_round_trip_and_nan_is_empty() {
        assert_eq!(number(f64::NAN), "");
        assert_eq!(number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(number(1e21), "1000000000000000000000");
        assert_eq!(number(-2.5), "-2.5");
        for value in [0.1 + 0.2, 1e-300, 123_456.789, -7.0, f64::MAX] {
            assert_eq!(number(value).parse::<f64>().ok(), Some(value));
        }
    }

    #[test]
    fn seeds_read_back_as_written() {
        for seed in [0, 1, 15_663_718_929_142_049_488, u64::MAX] {
            assert_eq!(parse_seed(&seed_text(seed)), Ok(seed));
        }
        assert!(parse_seed("x").is_err());
        assert!(parse_seed("18446744073709551616").is_err());
    }
}
