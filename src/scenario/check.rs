//! Checks of single values against their field's description: numbers in range, whole
//! numbers, distributions whose draws stay in range, dates, names, and what a field left
//! out means. [`At`] is the place of one table in the file; its checks take a value with
//! its field ([`Valued`]) and name the field's path when they fail.

use chrono::NaiveDate;
use toml::value::Datetime;

use crate::distribution::{Distribution, DistributionSpec};

use super::choice::Choice;
use super::fields::{is_name, Absent, Field, Kind, Range, Valued, NAME_RULE};
use super::locate::FieldPath;

/// A value that is not allowed, and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// The field.
    pub path: FieldPath,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// A checked value, or why it is not allowed.
pub type Check<T> = Result<T, Invalid>;

/// The error "`path`: `message`".
pub fn invalid<T>(path: FieldPath, message: impl Into<String>) -> Check<T> {
    Err(Invalid {
        path,
        message: message.into(),
    })
}

/// `value` checked against `range`.
pub fn in_range(path: FieldPath, value: f64, range: Range) -> Check<f64> {
    if value.is_finite() && range.contains(value) {
        return Ok(value);
    }
    let allowed = range.describe();
    let wanted = match (value.is_finite(), allowed.is_empty()) {
        (true, _) => allowed,
        (false, true) => "a finite number".to_string(),
        (false, false) => format!("a finite number {allowed}"),
    };
    invalid(path, format!("must be {wanted}, got {value}"))
}

/// A calendar date without time or offset.
pub fn date(path: FieldPath, value: &Datetime) -> Check<NaiveDate> {
    match (value.date, value.time, value.offset) {
        (Some(d), None, None) => {
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                .map_or_else(
                    || invalid(path, format!("{value} is not a calendar date")),
                    Ok,
                )
        }
        _ => invalid(
            path,
            format!("must be a date such as 2026-06-30 (no time or offset), got {value}"),
        ),
    }
}

/// A name (see [`NAME_RULE`]).
pub fn name(path: FieldPath, text: &str) -> Check<&str> {
    if is_name(text) {
        Ok(text)
    } else {
        invalid(path, format!("must be {NAME_RULE}; got {text:?}"))
    }
}

/// The place of one table in the scenario file.
#[derive(Debug, Clone, Default)]
pub struct At {
    path: FieldPath,
}

impl At {
    /// The table at `path`.
    pub fn new(path: FieldPath) -> At {
        At { path }
    }

    /// The table's own path.
    pub fn path(&self) -> &FieldPath {
        &self.path
    }

    /// The path of `field` in this table.
    pub fn of(&self, field: &Field) -> FieldPath {
        self.path.key(field.name)
    }

    /// The table at `field` of this one.
    pub fn inner(&self, field: &Field) -> At {
        At::new(self.of(field))
    }

    /// The error "`field`: `message`".
    pub fn invalid<T>(&self, field: &Field, message: impl Into<String>) -> Check<T> {
        invalid(self.of(field), message)
    }

    /// A number within the field's range.
    pub fn number(&self, valued: Valued<'_, f64>) -> Check<f64> {
        in_range(self.of(valued.field), *valued.value, valued.field.range)
    }

    /// As [`At::number`], or the field's default when left out.
    pub fn number_or_default(&self, valued: Valued<'_, Option<f64>>) -> Check<f64> {
        match valued.value.or(valued.field.if_absent.number()) {
            Some(value) => in_range(self.of(valued.field), value, valued.field.range),
            None => self.invalid(valued.field, "is required"),
        }
    }

    /// A whole number within the field's range, or the field's default when left out.
    pub fn whole_or_default<T: Copy + Into<i64>>(
        &self,
        valued: Valued<'_, Option<T>>,
    ) -> Check<i64> {
        let written = valued.value.map(Into::into);
        match written.or(valued.field.if_absent.number().map(|v| v as i64)) {
            Some(value) => {
                in_range(self.of(valued.field), value as f64, valued.field.range).map(|_| value)
            }
            None => self.invalid(valued.field, "is required"),
        }
    }

    /// A count within the field's range, when written.
    pub fn count(&self, valued: Valued<'_, Option<u64>>) -> Check<Option<u64>> {
        let range = valued.field.range;
        (valued.value)
            .map(|value| in_range(self.of(valued.field), value as f64, range).map(|_| value))
            .transpose()
    }

    /// A flag, or the field's default when left out.
    pub fn flag(&self, valued: Valued<'_, Option<bool>>) -> bool {
        valued
            .value
            .unwrap_or(valued.field.if_absent == Absent::Flag(true))
    }

    /// A choice, or the field's default word when left out.
    pub fn choice<T: Choice>(&self, valued: Valued<'_, Option<T>>) -> Check<T> {
        match valued
            .value
            .or_else(|| T::from_word(valued.field.if_absent.word()?))
        {
            Some(choice) => Ok(choice),
            None => self.invalid(valued.field, "is required"),
        }
    }

    /// A calendar date.
    pub fn date(&self, valued: Valued<'_, Datetime>) -> Check<NaiveDate> {
        date(self.of(valued.field), valued.value)
    }

    /// A name (an id, or a reference to one).
    pub fn name<'a>(&self, valued: Valued<'a, String>) -> Check<&'a str> {
        name(self.of(valued.field), valued.value)
    }

    /// A distribution whose values lie within the field's range; where the field allows
    /// an open tail, an unbounded upper tail (lognormal, gamma, …) is allowed as long as
    /// its mean is within range.
    pub fn distribution(&self, valued: Valued<'_, DistributionSpec>) -> Check<Distribution> {
        let (field, path) = (valued.field, self.of(valued.field));
        let (noun, open_tail) = match field.kind {
            Kind::Distribution { noun, open_tail } => (noun, open_tail),
            _ => ("a value", false),
        };
        let Range { min, max, .. } = field.range;
        let built = valued
            .value
            .build()
            .or_else(|e| invalid(path.clone(), e.to_string()))?;
        let (low, high) = (built.support_min(), built.support_max());
        let upper_ok = high <= max || (open_tail && high.is_infinite() && built.mean() <= max);
        if low < min || !upper_ok {
            let hint = if low < min && matches!(built, Distribution::TruncatedNormal { .. }) {
                format!(" (add `min = {min}` to the normal)")
            } else {
                String::new()
            };
            return invalid(
                path,
                format!("{noun} must stay between {min} and {max}, but this distribution ranges over [{low}, {high}]{hint}"),
            );
        }
        Ok(built)
    }

    /// As [`At::distribution`], with the field's default (a fixed value) when left out.
    pub fn distribution_or_default(
        &self,
        valued: Valued<'_, Option<DistributionSpec>>,
    ) -> Check<Distribution> {
        match (valued.value, valued.field.if_absent.number()) {
            (Some(value), _) => self.distribution(valued.with(value)),
            (None, Some(fixed)) => Ok(Distribution::Fixed(fixed)),
            (None, None) => self.invalid(valued.field, "is required"),
        }
    }

    /// As [`At::distribution`] when written; nothing when left out.
    pub fn distribution_if_written(
        &self,
        valued: Valued<'_, Option<DistributionSpec>>,
    ) -> Check<Option<Distribution>> {
        valued
            .value
            .as_ref()
            .map(|value| self.distribution(valued.with(value)))
            .transpose()
    }
}
