//! Scenario files: parse the TOML, validate it, and resolve it into the model's
//! parameters, with errors that name the file, the line and the field.

pub mod raw;
