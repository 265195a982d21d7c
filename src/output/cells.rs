//! How a value becomes a cell, the same in every CSV file: numbers, undefined values,
//! seeds and text.
//!
//! - numbers use `.` decimals, no thousands separator, and the shortest text that
//!   reads back to the value rounded to [`SIGNIFICANT_DIGITS`] (15) significant digits,
//!   which is what Excel and Calc keep: `37703166.56`, not the `37703166.56000002` that
//!   summing floats leaves, and a spreadsheet reads every number back exactly;
//! - an undefined number (NaN: a metric a replication could not define, a standard
//!   deviation of one value) is an empty cell;
//! - seeds are `0x` and 16 hexadecimal digits ([`seed_text`]): text to every
//!   spreadsheet, which would round a 20-digit number to 15 digits; `--seed` accepts
//!   them back ([`parse_seed`]);
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

/// The significant digits a number cell keeps.
pub const SIGNIFICANT_DIGITS: usize = 15;

/// The value a number cell holds: `value` rounded to [`SIGNIFICANT_DIGITS`]
/// significant digits. Whatever reads a cell back (a merge, a spreadsheet) gets this.
pub(crate) fn as_written(value: f64) -> f64 {
    format!("{value:.*e}", SIGNIFICANT_DIGITS - 1)
        .parse()
        .unwrap_or(value)
}

/// A number cell: empty when undefined (NaN), else the shortest text that reads back to
/// [`as_written`]`(value)`.
pub(crate) fn number(value: f64) -> String {
    if value.is_nan() {
        String::new()
    } else {
        format!("{}", as_written(value))
    }
}

/// A seed cell: `0x` and 16 lowercase hexadecimal digits, e.g. `0xd9614ffd6ee3dd90`.
pub fn seed_text(seed: u64) -> String {
    format!("0x{seed:016x}")
}

/// A seed as [`seed_text`] writes it, or as typed: a whole number from 0 to 2⁶⁴ − 1,
/// or `0x` and 1 to 16 hexadecimal digits.
pub fn parse_seed(text: &str) -> Result<u64, SeedError> {
    let trimmed = text.trim();
    let hex = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"));
    let parsed = match hex {
        Some(digits) if digits.bytes().all(|b| b.is_ascii_hexdigit()) => {
            u64::from_str_radix(digits, 16).ok()
        }
        Some(_) => None,
        None if trimmed.bytes().all(|b| b.is_ascii_digit()) => trimmed.parse().ok(),
        None => None,
    };
    parsed.ok_or_else(|| SeedError {
        text: text.to_string(),
    })
}

/// Text that is not a seed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a seed: give a whole number from 0 to 18446744073709551615, or 0x and \
     up to 16 hexadecimal digits as in replications.csv (e.g. 0xd9614ffd6ee3dd90)"
)]
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
    fn numbers_keep_fifteen_digits_and_nan_is_empty() {
        assert_eq!(number(f64::NAN), "");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(37_703_166.560_000_02), "37703166.56");
        assert_eq!(number(59_042.209_670_000_03), "59042.20967");
        assert_eq!(number(1e21), "1000000000000000000000");
        assert_eq!(number(-2.5), "-2.5");
        assert_eq!(number(1.0 / 3.0), "0.333333333333333");
        assert_eq!(number(123_456_789_012_345.6), "123456789012346");
        for value in [0.1, 1e-300, 123_456.789, -7.0, 4.389_945_183_7e-5] {
            assert_eq!(number(value).parse::<f64>().ok(), Some(value));
        }
        for value in [0.1 + 0.2, 1.0 / 3.0, f64::MAX, 2e-308] {
            let written = number(value);
            assert_eq!(written.parse::<f64>().ok(), Some(as_written(value)));
            let digits = written.trim_start_matches(['0', '.']).replace('.', "");
            assert!(
                digits.trim_end_matches('0').len() <= SIGNIFICANT_DIGITS,
                "{written}"
            );
        }
    }

    #[test]
    fn seeds_read_back_as_written() {
        assert_eq!(seed_text(15_663_718_929_142_049_488), "0xd960b5604912ead0");
        assert_eq!(seed_text(229), "0x00000000000000e5");
        for seed in [0, 1, 229, 15_663_718_929_142_049_488, u64::MAX] {
            assert_eq!(parse_seed(&seed_text(seed)), Ok(seed));
            assert_eq!(parse_seed(&seed.to_string()), Ok(seed), "decimal as typed");
        }
        assert_eq!(parse_seed(" 0XFF "), Ok(255));
        for bad in [
            "",
            "x",
            "0x",
            "-1",
            "+1",
            "1e5",
            "0x+f",
            "0x1_0",
            "18446744073709551616",
        ] {
            assert!(parse_seed(bad).is_err(), "{bad}");
        }
        assert!(parse_seed("0x10000000000000000").is_err(), "17 digits");
    }
}
