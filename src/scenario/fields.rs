//! The scenario format described once. Every field of every scenario table has a
//! [`Field`]: its name, type, unit, allowed range, what leaving it out means, and a
//! one-line meaning. The tables are declared with the serde structs, by [`table!`], in
//! [`super::raw`] and [`super::kinds`] (`RawFab::FIELDS`, …); the checks read ranges and
//! defaults from them,
//! [`super::schema`] turns them into a JSON Schema and [`super::reference`] into
//! `docs/scenario-reference.md`, so the three cannot disagree. The distribution forms
//! are described here too, in [`FAMILIES`]. Tests check that every table names exactly
//! the fields serde accepts, and that every family matches what the parser accepts.

/// One field of a scenario table.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The key as written in the file.
    pub name: &'static str,
    /// What kind of value it holds.
    pub kind: Kind,
    /// Unit of the value (empty when it has none).
    pub unit: &'static str,
    /// Allowed values of a number, of a distribution's draws or of a count.
    pub range: Range,
    /// What leaving the field out means.
    pub if_absent: Absent,
    /// One line saying what the field is for.
    pub meaning: &'static str,
}

/// What kind of value a field holds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Free text.
    Text,
    /// A name (see [`NAME_RULE`]): an id, or a reference to one.
    Name,
    /// A calendar date such as 2026-06-30.
    Date,
    /// A number within the field's range.
    Number,
    /// A whole number within the field's range.
    Integer,
    /// `true` or `false`.
    Flag,
    /// One of a few words.
    Choice(&'static [Word]),
    /// One of a few words, or a list of `[day, share]` points (a curve).
    ChoiceOrCurve(&'static [Word]),
    /// A distribution (a number, or a one-key table of [`FAMILIES`]) whose values lie
    /// within the field's range. `noun` names the quantity in messages; with
    /// `open_tail`, an unbounded upper tail is allowed if its mean is within range.
    Distribution {
        /// The quantity, e.g. "a duration in days".
        noun: &'static str,
        /// Whether an unbounded upper tail is allowed.
        open_tail: bool,
    },
    /// A list of dates.
    Dates,
    /// A list of names.
    Names,
    /// A table of name = whole count, each count within the field's range.
    Counts,
    /// A table with these fields.
    Table(&'static [Field]),
    /// A list of tables with these fields.
    Tables(&'static [Field]),
    /// A table that another command reads and checks; its meaning says which.
    Section,
}

/// One allowed word of a [`Kind::Choice`].
#[derive(Debug, Clone, Copy)]
pub struct Word {
    /// The word as written.
    pub word: &'static str,
    /// What choosing it means.
    pub meaning: &'static str,
}

impl Word {
    /// `word`, which means `meaning`.
    pub const fn new(word: &'static str, meaning: &'static str) -> Word {
        Word { word, meaning }
    }
}

/// Allowed values: from `min` to `max`, excluding `min` itself when `min_excluded`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Lower bound (may be minus infinity).
    pub min: f64,
    /// Upper bound (may be infinity).
    pub max: f64,
    /// The value must be greater than `min`, not equal to it.
    pub min_excluded: bool,
}

impl Range {
    /// Any value.
    pub const ANY: Range = Range {
        min: f64::NEG_INFINITY,
        max: f64::INFINITY,
        min_excluded: false,
    };

    /// Whether `value` is allowed.
    pub fn contains(&self, value: f64) -> bool {
        let above = if self.min_excluded {
            value > self.min
        } else {
            value >= self.min
        };
        above && value <= self.max
    }

    /// The range in words: "between 0 and 1000", "at least 1", "greater than 0 (and at
    /// most 365)"; empty for [`Range::ANY`].
    pub fn describe(&self) -> String {
        let (min, max) = (self.min, self.max);
        match (min.is_finite(), max.is_finite(), self.min_excluded) {
            (true, true, false) => format!("between {min} and {max}"),
            (true, true, true) => format!("greater than {min} (and at most {max})"),
            (true, false, false) => format!("at least {min}"),
            (true, false, true) => format!("greater than {min}"),
            (false, true, _) => format!("at most {max}"),
            (false, false, _) => String::new(),
        }
    }
}

/// What leaving a field out means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Absent {
    /// It must be written.
    Required,
    /// This number (for a distribution: this fixed value).
    Number(f64),
    /// This word of a choice.
    Word(&'static str),
    /// This flag.
    Flag(bool),
    /// As described: nothing, an empty list, or a value worked out from other fields.
    Means(&'static str),
}

impl Absent {
    /// The default number, if the default is one.
    pub fn number(self) -> Option<f64> {
        match self {
            Absent::Number(value) => Some(value),
            _ => None,
        }
    }

    /// The default word, if the default is one.
    pub fn word(self) -> Option<&'static str> {
        match self {
            Absent::Word(word) => Some(word),
            _ => None,
        }
    }
}

/// What a name may be made of, for messages and the reference.
pub const NAME_RULE: &str = "1 to 64 letters, digits, `_` or `-`, starting with a letter or digit";

/// [`NAME_RULE`] as a regular expression, for the JSON Schema.
pub const NAME_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$";

/// Whether `text` follows [`NAME_RULE`].
pub fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && text.starts_with(|c: char| c.is_ascii_alphanumeric())
}

impl Field {
    const fn new(name: &'static str, kind: Kind, meaning: &'static str) -> Field {
        Field {
            name,
            kind,
            unit: "",
            range: Range::ANY,
            if_absent: Absent::Required,
            meaning,
        }
    }

    /// Free text.
    pub const fn text(name: &'static str, meaning: &'static str) -> Field {
        Field::new(name, Kind::Text, meaning)
    }

    /// A name: an id, or a reference to one.
    pub const fn name(name: &'static str, meaning: &'static str) -> Field {
        Field::new(name, Kind::Name, meaning)
    }

    /// A calendar date.
    pub const fn date(name: &'static str, meaning: &'static str) -> Field {
        Field::new(name, Kind::Date, meaning)
    }

    /// A number in `unit` from `min` to `max`.
    pub const fn number(
        name: &'static str,
        unit: &'static str,
        min: f64,
        max: f64,
        meaning: &'static str,
    ) -> Field {
        Field {
            unit,
            range: Range {
                min,
                max,
                min_excluded: false,
            },
            ..Field::new(name, Kind::Number, meaning)
        }
    }

    /// A whole number from `min` to `max`.
    pub const fn integer(name: &'static str, min: f64, max: f64, meaning: &'static str) -> Field {
        Field {
            kind: Kind::Integer,
            ..Field::number(name, "", min, max, meaning)
        }
    }

    /// `true` or `false`.
    pub const fn flag(name: &'static str, meaning: &'static str) -> Field {
        Field::new(name, Kind::Flag, meaning)
    }

    /// One of `words`.
    pub const fn choice(
        name: &'static str,
        words: &'static [Word],
        meaning: &'static str,
    ) -> Field {
        Field::new(name, Kind::Choice(words), meaning)
    }

    /// One of `words`, or a curve: a list of `[day, share]` points.
    pub const fn choice_or_curve(
        name: &'static str,
        words: &'static [Word],
        meaning: &'static str,
    ) -> Field {
        Field::new(name, Kind::ChoiceOrCurve(words), meaning)
    }

    /// A distribution of `noun` in `unit` whose values lie from `min` to `max`; an
    /// unbounded upper tail is allowed if its mean is at most `max`.
    pub const fn distribution(
        name: &'static str,
        unit: &'static str,
        noun: &'static str,
        min: f64,
        max: f64,
        meaning: &'static str,
    ) -> Field {
        Field {
            kind: Kind::Distribution {
                noun,
                open_tail: true,
            },
            ..Field::number(name, unit, min, max, meaning)
        }
    }

    /// A distribution of days, from 0 to `max`.
    pub const fn days(name: &'static str, max: f64, meaning: &'static str) -> Field {
        Field::distribution(name, "days", "a duration in days", 0.0, max, meaning)
    }

    /// A distribution of fractions, from 0 to 1 with no open tail.
    pub const fn fraction(name: &'static str, meaning: &'static str) -> Field {
        Field {
            kind: Kind::Distribution {
                noun: "a fraction",
                open_tail: false,
            },
            ..Field::number(name, "fraction", 0.0, 1.0, meaning)
        }
    }

    /// A list of dates.
    pub const fn dates(name: &'static str, meaning: &'static str) -> Field {
        Field::new(name, Kind::Dates, meaning)
    }

    /// A list of names.
    pub const fn names(name: &'static str, meaning: &'static str) -> Field {
        Field::new(name, Kind::Names, meaning)
    }

    /// A table of name = whole count, counts from `min` to `max`.
    pub const fn counts(
        name: &'static str,
        unit: &'static str,
        min: f64,
        max: f64,
        meaning: &'static str,
    ) -> Field {
        Field {
            kind: Kind::Counts,
            ..Field::number(name, unit, min, max, meaning)
        }
    }

    /// A table with `fields`.
    pub const fn table(
        name: &'static str,
        fields: &'static [Field],
        meaning: &'static str,
    ) -> Field {
        Field::new(name, Kind::Table(fields), meaning)
    }

    /// A list of tables with `fields`.
    pub const fn tables(
        name: &'static str,
        fields: &'static [Field],
        meaning: &'static str,
    ) -> Field {
        Field::new(name, Kind::Tables(fields), meaning)
    }

    /// A table that another command reads and checks.
    pub const fn section(name: &'static str, meaning: &'static str) -> Field {
        Field::new(name, Kind::Section, meaning)
    }

    /// The same field, with values required to be greater than its minimum.
    pub const fn above_min(self) -> Field {
        Field {
            range: Range {
                min_excluded: true,
                ..self.range
            },
            ..self
        }
    }

    /// The same field, optional: `absent` says what leaving it out means.
    pub const fn or(self, absent: Absent) -> Field {
        Field {
            if_absent: absent,
            ..self
        }
    }

    /// The same kind of value and range under another name and meaning.
    pub const fn renamed(self, name: &'static str, meaning: &'static str) -> Field {
        Field {
            name,
            meaning,
            ..self
        }
    }

    /// The same field, optional: leaving it out means there is none.
    pub const fn optional(self) -> Field {
        self.or(Absent::Means("none"))
    }

    /// The field's type in words, as the reference and the schema show it.
    pub fn describe_type(&self) -> String {
        match self.kind {
            Kind::Text => "text".into(),
            Kind::Name => "name".into(),
            Kind::Date => "date".into(),
            Kind::Number => "number".into(),
            Kind::Integer => "whole number".into(),
            Kind::Flag => "true or false".into(),
            Kind::Choice(words) => {
                let quoted: Vec<String> =
                    words.iter().map(|w| format!("`\"{}\"`", w.word)).collect();
                format!("one of {}", quoted.join(", "))
            }
            Kind::ChoiceOrCurve(words) => {
                let quoted: Vec<String> =
                    words.iter().map(|w| format!("`\"{}\"`", w.word)).collect();
                format!(
                    "one of {}, or a list of `[day, share]` points",
                    quoted.join(", ")
                )
            }
            Kind::Distribution { .. } => "distribution".into(),
            Kind::Dates => "list of dates".into(),
            Kind::Names => "list of names".into(),
            Kind::Counts => "table of name = count".into(),
            Kind::Table(_) | Kind::Section => "table".into(),
            Kind::Tables(_) => "list of tables".into(),
        }
    }

    /// The allowed values in words (empty when the type says it all).
    pub fn describe_range(&self) -> String {
        let range = self.range.describe();
        match self.kind {
            Kind::Number | Kind::Integer => range,
            Kind::Counts => format!("each whole and {range}"),
            Kind::Distribution {
                open_tail: false, ..
            } => format!("draws {range}"),
            Kind::Distribution {
                open_tail: true, ..
            } => format!(
                "draws {range}; an unbounded tail needs a mean of at most {}",
                self.range.max
            ),
            _ => String::new(),
        }
    }

    /// What leaving the field out means, in words.
    pub fn describe_default(&self) -> String {
        match self.if_absent {
            Absent::Required => "required".into(),
            Absent::Number(value) => value.to_string(),
            Absent::Word(word) => format!("`\"{word}\"`"),
            Absent::Flag(flag) => flag.to_string(),
            Absent::Means(text) => text.into(),
        }
    }

    /// The meaning, followed by what each word of a choice means.
    pub fn describe_meaning(&self) -> String {
        let words: Vec<String> = self
            .words()
            .iter()
            .map(|w| format!("`{}`: {}", w.word, w.meaning))
            .collect();
        if words.is_empty() {
            self.meaning.to_string()
        } else {
            format!("{} {}.", self.meaning, words.join("; "))
        }
    }

    /// The words of a choice (none for other kinds).
    pub fn words(&self) -> &'static [Word] {
        match self.kind {
            Kind::Choice(words) | Kind::ChoiceOrCurve(words) => words,
            _ => &[],
        }
    }
}

/// A value as written in a scenario, with the field that describes it: what the checks
/// take, so that a resolver names each field once (`at.number(fab.dies_per_wafer())`).
#[derive(Debug)]
pub struct Valued<'a, T> {
    /// The field's description (name, range, default).
    pub field: &'static Field,
    /// The value as written.
    pub value: &'a T,
}

impl<T> Clone for Valued<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Valued<'_, T> {}

impl<'a, T> Valued<'a, T> {
    /// The same field with another value: what was written inside an `Option`, or a
    /// default.
    pub fn with<U>(self, value: &'a U) -> Valued<'a, U> {
        Valued {
            field: self.field,
            value,
        }
    }
}

/// Declares a scenario table: the serde struct that reads it (an unknown field is an
/// error, not a silent default) with, beside each member, its [`Field`]. Generates
/// `FIELDS` (every field, in the order the reference lists them) and, for each member
/// `x`, a method `x()` that gives the value with its field ([`Valued`]).
///
/// ```text
/// table! {
///     /// A wafer fab.
///     pub struct RawFab {
///         id: String = Field::name("id", "Unique id among fabs."),
///         #[serde(default)]
///         capacity_schedule: Vec<RawCapacityPoint> = CAPACITY_SCHEDULE,
///         #[serde(rename = "yield")]
///         yield_fraction: DistributionSpec = Field::fraction("yield", "Good dies."),
///     }
/// }
/// ```
///
/// Serde attributes pass through: `#[serde(default)]` for lists that may be left out
/// (`Option` members need none), `rename` where the key is a Rust keyword. A field's
/// description may not use `Self`; a description shared by two tables is a `const`.
macro_rules! table {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$attr:meta])* $member:ident : $type:ty = $field:expr ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(
                #[doc = concat!("As written; see `", stringify!($name), "::FIELDS`.")]
                $(#[$attr])*
                pub $member: $type,
            )+
        }

        impl $name {
            /// Every field of this table, described for the checks, the JSON Schema and
            /// the reference.
            pub const FIELDS: &'static [$crate::scenario::fields::Field] = &[$($field),+];

            $(
                #[doc = concat!("`", stringify!($member), "` with its field, for the checks.")]
                pub fn $member(&self) -> $crate::scenario::fields::Valued<'_, $type> {
                    const FIELD: $crate::scenario::fields::Field = $field;
                    $crate::scenario::fields::Valued {
                        field: &FIELD,
                        value: &self.$member,
                    }
                }
            )+
        }
    };
}
pub(crate) use table;

/// A distribution family as written in a scenario: `{ name = { parameters } }`.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    /// The key naming the family.
    pub name: &'static str,
    /// What it is and when to use it.
    pub meaning: &'static str,
    /// The sets of parameters it may be written with (one set for most families; a
    /// fixed value has none: it is written as a number).
    pub forms: &'static [&'static [Param]],
    /// A complete example, as written after `field = `.
    pub example: &'static str,
}

/// A parameter of a distribution family.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Its key.
    pub name: &'static str,
    /// What it is.
    pub meaning: &'static str,
    /// Whether it may be left out.
    pub optional: bool,
    /// Whether it is a list of numbers rather than one number.
    pub list: bool,
}

const fn param(name: &'static str, meaning: &'static str) -> Param {
    Param {
        name,
        meaning,
        optional: false,
        list: false,
    }
}

/// Every distribution family the scenario format accepts (see
/// [`crate::distribution`]), with an example each.
pub const FAMILIES: &[Family] = &[
    Family {
        name: "fixed",
        meaning: "Always the same value; usually written as the bare number instead.",
        forms: &[],
        example: "{ fixed = 100 }",
    },
    Family {
        name: "uniform",
        meaning: "Every value between `min` and `max` equally likely.",
        forms: &[&[param("min", "lowest value"), param("max", "highest value")]],
        example: "{ uniform = { min = 180, max = 540 } }",
    },
    Family {
        name: "triangular",
        meaning: "Lowest, most likely and highest value: a bounded guess.",
        forms: &[&[
            param("min", "lowest value"),
            param("mode", "most likely value"),
            param("max", "highest value"),
        ]],
        example: "{ triangular = { min = 75, mode = 100, max = 150 } }",
    },
    Family {
        name: "normal",
        meaning: "Normal, optionally truncated to `[min, max]` (redrawn outside).",
        forms: &[&[
            param("mean", "mean before truncation"),
            param("sd", "standard deviation before truncation, > 0"),
            Param {
                optional: true,
                ..param("min", "lower truncation point")
            },
            Param {
                optional: true,
                ..param("max", "upper truncation point")
            },
        ]],
        example: "{ normal = { mean = 30, sd = 10, min = 0 } }",
    },
    Family {
        name: "lognormal",
        meaning: "Skewed to the right; by `mean` and `sd`, or by `median` and `p90`.",
        forms: &[
            &[
                param("mean", "mean, > 0"),
                param("sd", "standard deviation, > 0"),
            ],
            &[
                param("median", "median, > 0"),
                param("p90", "90th percentile, > median"),
            ],
        ],
        example: "{ lognormal = { median = 100, p90 = 130 } }",
    },
    Family {
        name: "beta",
        meaning: "On (0, 1), by `mean` and `sd`: for yields and fractions.",
        forms: &[&[
            param("mean", "mean, between 0 and 1"),
            param("sd", "standard deviation, below sqrt(mean × (1 − mean))"),
        ]],
        example: "{ beta = { mean = 0.65, sd = 0.07 } }",
    },
    Family {
        name: "exponential",
        meaning: "Memoryless waiting time with the given mean.",
        forms: &[&[param("mean", "mean, > 0")]],
        example: "{ exponential = { mean = 30 } }",
    },
    Family {
        name: "gamma",
        meaning: "Gamma by `shape` and `scale` (mean = shape × scale).",
        forms: &[&[param("shape", "shape, > 0"), param("scale", "scale, > 0")]],
        example: "{ gamma = { shape = 2, scale = 15 } }",
    },
    Family {
        name: "weibull",
        meaning: "Weibull by `shape` and `scale`: times to failure.",
        forms: &[&[param("shape", "shape, > 0"), param("scale", "scale, > 0")]],
        example: "{ weibull = { shape = 1.5, scale = 40 } }",
    },
    Family {
        name: "poisson",
        meaning: "Whole-number counts with the given mean.",
        forms: &[&[param("mean", "mean, > 0")]],
        example: "{ poisson = { mean = 3 } }",
    },
    Family {
        name: "empirical",
        meaning: "One of the listed values, each equally likely.",
        forms: &[&[Param {
            list: true,
            ..param("values", "the values, at least one")
        }]],
        example: "{ empirical = { values = [90, 100, 100, 120] } }",
    },
];

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use toml::{Table, Value};

    use super::*;
    use crate::distribution::DistributionSpec;
    use crate::scenario::raw::RawScenario;

    /// A value of the field's type.
    fn sample(field: &Field) -> Value {
        let date = || Value::Datetime("2025-01-01".parse().expect("a TOML date"));
        match field.kind {
            Kind::Text | Kind::Name => Value::from("x"),
            Kind::Date => date(),
            Kind::Number | Kind::Integer | Kind::Distribution { .. } => Value::from(1),
            Kind::Flag => Value::from(true),
            Kind::Choice(words) | Kind::ChoiceOrCurve(words) => Value::from(words[0].word),
            Kind::Dates => Value::Array(vec![date()]),
            Kind::Names => Value::Array(vec![Value::from("x")]),
            Kind::Counts => Value::Table(Table::from_iter([("x".to_string(), Value::from(1))])),
            Kind::Table(fields) => Value::Table(table(fields, true)),
            Kind::Section => Value::Table(Table::new()),
            Kind::Tables(fields) => Value::Array(vec![Value::Table(table(fields, true))]),
        }
    }

    /// A table with every field (`all`) or only the required ones.
    fn table(fields: &[Field], all: bool) -> Table {
        fields
            .iter()
            .filter(|field| all || field.if_absent == Absent::Required)
            .map(|field| (field.name.to_string(), sample(field)))
            .collect()
    }

    /// `table` written out and read back, as a scenario file is.
    fn parse<T: DeserializeOwned>(table: Table) -> Result<T, String> {
        let text = toml::to_string(&table).expect("a table prints");
        toml::from_str(&text).map_err(|e| e.message().to_string())
    }

    /// The names between backticks after "expected" in a serde message.
    fn expected_names(message: &str) -> Vec<String> {
        let (_, expected) = message
            .split_once("expected")
            .expect("serde lists what it expects");
        let expected = expected.lines().next().unwrap_or_default();
        let mut names: Vec<String> = expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(String::from)
            .collect();
        names.sort();
        names
    }

    /// The table at `path` in `document` (the first element of a list of tables).
    fn nested<'d>(document: &'d mut Table, path: &[&str]) -> &'d mut Table {
        path.iter()
            .fold(document, |table, key| match table.get_mut(*key) {
                Some(Value::Table(inner)) => inner,
                Some(Value::Array(items)) => match items.first_mut() {
                    Some(Value::Table(inner)) => inner,
                    _ => panic!("{key} holds no table"),
                },
                _ => panic!("no table at {key}"),
            })
    }

    /// A whole scenario with every field, `change`d at `path`, read back.
    fn with_change(path: &[&str], change: impl FnOnce(&mut Table)) -> Result<RawScenario, String> {
        let mut document = table(RawScenario::FIELDS, true);
        change(nested(&mut document, path));
        parse::<RawScenario>(document)
    }

    /// The field table at `path` names exactly the fields serde accepts there, and
    /// exactly the required ones are required; then the same for the tables inside it.
    fn agrees(path: &[&str], fields: &'static [Field]) {
        let what = path.join(".");
        with_change(path, |_| ()).unwrap_or_else(|e| panic!("{what} with every field: {e}"));
        let unknown = with_change(path, |table| {
            table.insert("zz_not_a_field".to_string(), Value::from(1));
        });
        let message = unknown.expect_err("an unknown field is an error");
        let mut names: Vec<String> = fields.iter().map(|f| f.name.to_string()).collect();
        names.sort();
        assert_eq!(
            expected_names(&message),
            names,
            "{what}: serde's fields vs the table"
        );
        let required = table(fields, false);
        with_change(path, |table| *table = required.clone())
            .unwrap_or_else(|e| panic!("{what}, required fields only: {e}"));
        for name in required.keys() {
            let error = with_change(path, |table| {
                *table = required.clone();
                table.remove(name);
            })
            .err()
            .unwrap_or_default();
            assert!(
                error.contains(&format!("missing field `{name}`")),
                "{what}: {name} is marked required but serde accepts its absence"
            );
        }
        for field in fields {
            if let Kind::Table(inner) | Kind::Tables(inner) = field.kind {
                agrees(&[path, &[field.name]].concat(), inner);
            }
        }
    }

    #[test]
    fn every_field_table_matches_its_serde_struct() {
        agrees(&[], RawScenario::FIELDS);
    }

    /// Every field of every table, depth first.
    fn all_fields(fields: &'static [Field], into: &mut Vec<Field>) {
        for field in fields {
            into.push(*field);
            if let Kind::Table(inner) | Kind::Tables(inner) = field.kind {
                all_fields(inner, into);
            }
        }
    }

    #[test]
    fn defaults_are_allowed_values() {
        let mut fields = Vec::new();
        all_fields(RawScenario::FIELDS, &mut fields);
        for field in fields {
            match (field.if_absent, field.kind) {
                (Absent::Number(value), _) => {
                    assert!(
                        field.range.contains(value),
                        "{}: default {value}",
                        field.name
                    )
                }
                (Absent::Word(word), Kind::Choice(words) | Kind::ChoiceOrCurve(words)) => {
                    assert!(
                        words.iter().any(|w| w.word == word),
                        "{}: {word}",
                        field.name
                    )
                }
                (Absent::Word(_), _) => panic!("{}: a word default needs a choice", field.name),
                (Absent::Flag(_), kind) => assert!(matches!(kind, Kind::Flag), "{}", field.name),
                (Absent::Required | Absent::Means(_), Kind::Flag) => {
                    panic!("{}: a flag needs a true or false default", field.name)
                }
                _ => {}
            }
        }
    }

    #[test]
    fn families_match_what_the_parser_accepts() {
        #[derive(serde::Deserialize)]
        struct Holder {
            d: DistributionSpec,
        }
        let parse = |text: &str| -> Result<DistributionSpec, String> {
            let holder: Holder =
                toml::from_str(&format!("d = {text}")).map_err(|e| e.message().to_string())?;
            Ok(holder.d)
        };
        for family in FAMILIES {
            let spec = parse(family.example).unwrap_or_else(|e| panic!("{}: {e}", family.name));
            spec.build()
                .unwrap_or_else(|e| panic!("{} example: {e}", family.name));
            if family.forms.is_empty() {
                continue;
            }
            let message = parse(&format!("{{ {} = {{ zz = 1 }} }}", family.name)).unwrap_err();
            let mut params: Vec<String> = family
                .forms
                .iter()
                .flat_map(|form| form.iter().map(|p| p.name.to_string()))
                .collect();
            params.sort();
            params.dedup();
            assert_eq!(
                expected_names(&message),
                params,
                "{} parameters",
                family.name
            );
        }
        let message = parse("{ zz = 1 }").unwrap_err();
        let mut names: Vec<String> = FAMILIES.iter().map(|f| f.name.to_string()).collect();
        names.sort();
        assert_eq!(expected_names(&message), names, "family names");
    }

    #[test]
    fn ranges_describe_themselves() {
        let range = |min, max, min_excluded| Range {
            min,
            max,
            min_excluded,
        };
        assert_eq!(range(0.0, 1.0, false).describe(), "between 0 and 1");
        assert_eq!(
            range(0.0, 365.0, true).describe(),
            "greater than 0 (and at most 365)"
        );
        assert_eq!(range(1.0, f64::INFINITY, false).describe(), "at least 1");
        assert!(range(0.0, 1.0, true).contains(1.0) && !range(0.0, 1.0, true).contains(0.0));
        assert!(is_name("us_west-2") && !is_name("-x") && !is_name("a b") && !is_name(""));
    }
}
