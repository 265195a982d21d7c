//! Fields that take one of a few words (`mode = "sea"`). Each choice is an enum declared
//! with [`choice!`]: every word is written once, beside its meaning and the model value
//! it stands for. The enum deserialises from the word, so a misspelt word is an error
//! of the parser, located at its line and field like any other, that names the allowed
//! words and the nearest one; the words and meanings feed the field table (and so the
//! JSON Schema and the reference).

use serde::de::{Deserialize, Deserializer, Error as _};

use super::fields::Word;

/// A choice field's enum, declared with [`choice!`].
pub trait Choice: Sized + Copy + 'static {
    /// The allowed words with their meanings, in the order messages list them.
    const WORDS: &'static [Word];

    /// The choice `word` names, if it is one of [`Choice::WORDS`].
    fn from_word(word: &str) -> Option<Self>;
}

/// Declares a choice: an enum whose variants are read from their words, and what each
/// stands for in the model.
///
/// ```text
/// choice! {
///     /// How goods travel.
///     pub enum LaneMode -> Mode {
///         Sea = "sea" => Mode::Sea, "container ship";
///         Air = "air" => Mode::Air, "air freight";
///     }
/// }
/// ```
///
/// gives `LaneMode::WORDS` (for the field table), `LaneMode::from_word`, and
/// `LaneMode::value(self) -> Mode`.
macro_rules! choice {
    (
        $(#[$meta:meta])*
        pub enum $name:ident -> $target:ty {
            $( $variant:ident = $word:literal => $value:expr, $meaning:literal );+ $(;)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $( #[doc = $meaning] $variant, )+
        }

        impl $crate::scenario::choice::Choice for $name {
            const WORDS: &'static [$crate::scenario::fields::Word] =
                &[$($crate::scenario::fields::Word::new($word, $meaning)),+];

            fn from_word(word: &str) -> Option<Self> {
                match word {
                    $( $word => Some(Self::$variant), )+
                    _ => None,
                }
            }
        }

        impl $name {
            /// What the word stands for in the model.
            pub fn value(self) -> $target {
                match self {
                    $( Self::$variant => $value, )+
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::scenario::choice::deserialize(deserializer)
            }
        }
    };
}
pub(crate) use choice;

/// Reads a word and returns its choice; any other word is an error naming the allowed
/// words and the nearest of them.
pub fn deserialize<'de, D: Deserializer<'de>, T: Choice>(deserializer: D) -> Result<T, D::Error> {
    let word = String::deserialize(deserializer)?;
    T::from_word(&word).ok_or_else(|| D::Error::custom(unknown_word(&word, T::WORDS)))
}

/// `must be "sea" or "air", got "ari" (did you mean `air`?)`.
pub fn unknown_word(word: &str, words: &[Word]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("{:?}", w.word)).collect();
    let allowed = match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    let hint = super::did_you_mean(word, words.iter().map(|w| w.word));
    format!("must be {allowed}, got {word:?}{hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    choice! {
        /// A test choice.
        pub enum Colour -> u8 {
            Red = "red" => 1, "warm";
            Blue = "blue" => 2, "cold";
            Green = "green" => 3, "leafy";
        }
    }

    #[derive(Debug, serde::Deserialize)]
    struct Holder {
        colour: Colour,
    }

    fn read(text: &str) -> Result<Colour, String> {
        toml::from_str::<Holder>(text)
            .map(|holder| holder.colour)
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn words_read_as_their_choice_and_others_name_the_nearest() {
        assert_eq!(read("colour = \"blue\"").map(Colour::value), Ok(2));
        assert_eq!(
            read("colour = \"bleu\""),
            Err(
                "must be \"red\", \"blue\" or \"green\", got \"bleu\" (did you mean `blue`?)"
                    .into()
            )
        );
        assert_eq!(
            read("colour = \"mauve\""),
            Err("must be \"red\", \"blue\" or \"green\", got \"mauve\"".into())
        );
        assert!(read("colour = 3").is_err());
        for word in Colour::WORDS {
            assert!(Colour::from_word(word.word).is_some(), "{}", word.word);
        }
    }
}
