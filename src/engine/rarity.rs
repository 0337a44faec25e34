//! How "rare" a value is: an estimate of the bits an attacker would need to guess it, from
//! a model that knows dictionary words, digit runs, keyboard and alphabet sequences and
//! repeated characters.
//!
//! Plain Shannon entropy over a short string cannot tell `userPasswordField` (an identifier)
//! from `hN4qL8vZ2pX7` (a key): both use many distinct characters. Splitting a value into
//! its cheapest description does: an identifier is three common words (about 40 bits), a
//! random key is twelve independent characters (about 70 bits). Generic rules, which have no
//! token format to lean on, decide with this measure.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Common words of English and of programming vocabulary, most frequent first: counted over
/// a large body of open-source Rust code and documentation (identifiers split at case changes
/// and underscores, comments split at non-letters), kept when they occur in several projects.
const VOCABULARY: &str = include_str!("vocabulary.txt");
const MIN_WORD: usize = 3;
const MAX_WORD: usize = 15;

fn vocabulary() -> &'static HashMap<&'static str, u32> {
    static WORDS: OnceLock<HashMap<&'static str, u32>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut map = HashMap::new();
        for (rank, word) in VOCABULARY.lines().enumerate() {
            let word = word.trim();
            if (MIN_WORD..=MAX_WORD).contains(&word.len()) {
                map.entry(word).or_insert(rank as u32);
            }
        }
        map
    })
}

/// What the cheapest description of a value looks like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rarity {
    /// Estimated guessing cost in bits.
    pub bits: f32,
    /// What the same length would cost if every character were drawn at random from the
    /// character classes the value uses.
    pub random_bits: f32,
    /// Bytes of the value covered by dictionary words.
    pub word_bytes: usize,
    /// Bytes covered by characters that fit no cheaper piece.
    pub random_bytes: usize,
    /// Separator bytes (`_`, `-`, `.`, space, `/`) between pieces.
    pub separator_bytes: usize,
    /// Number of distinct character classes (lower, upper, digit, symbol) present.
    pub classes: u8,
}

impl Rarity {
    /// Bits relative to a random string of the same length and classes: near 1.0 for
    /// machine-made secrets, well below for words, sequences and repetition.
    pub fn ratio(&self) -> f32 {
        if self.random_bits <= 0.0 {
            0.0
        } else {
            self.bits / self.random_bits
        }
    }

    /// True when every character belongs to a dictionary word or a separator: identifiers
    /// (`user_password`), prose and key names are this shape, secrets practically never are.
    pub fn is_all_words(&self, len: usize) -> bool {
        let letters = len.saturating_sub(self.separator_bytes);
        self.random_bytes == 0 && letters > 0 && self.word_bytes * 10 >= letters * 7
    }
}

fn class_of(b: u8) -> usize {
    match b {
        b'a'..=b'z' => 0,
        b'A'..=b'Z' => 1,
        b'0'..=b'9' => 2,
        _ => 3,
    }
}

fn is_separator(b: u8) -> bool {
    matches!(b, b'_' | b'-' | b'.' | b' ' | b'/')
}

/// Estimates the guessing cost of `value`.
pub fn measure(value: &[u8]) -> Rarity {
    let n = value.len();
    let mut classes = [false; 4];
    for &b in value {
        classes[class_of(b)] = true;
    }
    let class_count = classes.iter().filter(|&&c| c).count() as u8;
    let alphabet: f32 = [26.0, 26.0, 10.0, 32.0]
        .iter()
        .zip(classes.iter())
        .filter(|(_, &present)| present)
        .map(|(size, _)| size)
        .sum();
    // A character that fits no cheaper piece costs what a random pick from the value's own
    // character classes costs, so a machine-made secret measures close to `random_bits`.
    let char_bits = alphabet.max(2.0).log2();
    let char_cost = |_: u8| char_bits;
    let random_bits = n as f32 * char_bits;
    if n == 0 {
        return Rarity {
            bits: 0.0,
            random_bits,
            word_bytes: 0,
            random_bytes: 0,
            separator_bytes: 0,
            classes: class_count,
        };
    }
    let words = vocabulary();
    let lower: Vec<u8> = value.iter().map(u8::to_ascii_lowercase).collect();
    // best[i]: cheapest description of value[..i]; with counters for the pieces used.
    let mut best = vec![(f32::INFINITY, 0usize, 0usize, 0usize); n + 1];
    best[0] = (0.0, 0, 0, 0);
    for i in 0..n {
        let (cost, word_bytes, random_bytes, separator_bytes) = best[i];
        if !cost.is_finite() {
            continue;
        }
        // Pieces: (end, cost in bits, word bytes, random bytes, separator bytes) it adds.
        let mut relax = |end: usize, piece: f32, words_added: usize, random_added: usize, separators_added: usize| {
            let candidate = cost + piece;
            if candidate < best[end].0 {
                best[end] = (
                    candidate,
                    word_bytes + words_added,
                    random_bytes + random_added,
                    separator_bytes + separators_added,
                );
            }
        };
        let b = value[i];
        if is_separator(b) {
            relax(i + 1, 2.0, 0, 0, 1);
        } else {
            relax(i + 1, char_cost(b), 0, 1, 0);
        }
        // Dictionary words, optionally capitalised or all upper case.
        for len in MIN_WORD..=MAX_WORD.min(n - i) {
            let Ok(piece) = std::str::from_utf8(&lower[i..i + len]) else {
                break;
            };
            if let Some(&rank) = words.get(piece) {
                let original = &value[i..i + len];
                let case_bits = if original.iter().all(u8::is_ascii_lowercase) {
                    0.0
                } else if (original[0].is_ascii_uppercase() && original[1..].iter().all(u8::is_ascii_lowercase))
                    || original.iter().all(|c| !c.is_ascii_lowercase())
                {
                    1.0
                } else {
                    f32::INFINITY
                };
                relax(i + len, (rank as f32 + 2.0).log2() + 3.3 + case_bits, len, 0, 0);
            }
        }
        // Runs of one repeated character and of ascending or descending characters.
        let mut run = 1;
        while i + run < n && value[i + run] == b {
            run += 1;
        }
        if run >= 3 {
            relax(i + run, char_cost(b) + run as f32 * 0.5, 0, 0, 0);
        }
        for step in [1i16, -1] {
            let mut len = 1;
            while i + len < n && value[i + len] as i16 - value[i + len - 1] as i16 == step {
                len += 1;
            }
            if len >= 3 {
                relax(i + len, char_cost(b) + 2.0 + len as f32 * 0.3, 0, 0, 0);
            }
        }
        // Years (19xx, 20xx): what people append to passwords.
        if i + 4 <= n
            && (value[i..i + 2] == *b"19" || value[i..i + 2] == *b"20")
            && value[i + 2..i + 4].iter().all(u8::is_ascii_digit)
        {
            relax(i + 4, 7.0, 0, 0, 0);
        }
    }
    let (bits, word_bytes, random_bytes, separator_bytes) = best[n];
    Rarity {
        bits,
        random_bits,
        word_bytes,
        random_bytes,
        separator_bytes,
        classes: class_count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(value: &str) -> f32 {
        measure(value.as_bytes()).bits
    }

    #[test]
    fn random_keys_cost_about_their_length() {
        for key in ["hN4qL8vZ2pX7rT9w", "Zq8Wm2Lp5Rt7Yv1Xn4Kb", "9f3c2a7be41d08c6"] {
            let r = measure(key.as_bytes());
            assert!(r.bits > 55.0, "{key}: {r:?}");
            assert!(r.ratio() > 0.75, "{key}: {r:?}");
            assert!(!r.is_all_words(key.len()), "{key}");
        }
    }

    #[test]
    fn identifiers_and_prose_are_cheap_and_all_words() {
        for value in [
            "userPasswordField",
            "database_password",
            "get_secret_value",
            "AccessTokenProvider",
            "the value you chose",
        ] {
            let r = measure(value.as_bytes());
            assert!(r.is_all_words(value.len()), "{value}: {r:?}");
            assert!(r.ratio() < 0.5, "{value}: {r:?}");
        }
    }

    #[test]
    fn human_passwords_sit_in_between() {
        let weak = bits("Summer2023!");
        let strong = bits("xK9#mQ2$vL7pR4");
        let sequence = bits("abcdefgh12345678");
        assert!(weak < 40.0, "{weak}");
        assert!(strong > 60.0, "{strong}");
        assert!(sequence < 30.0, "{sequence}");
    }

    #[test]
    fn empty_and_odd_bytes_do_not_panic() {
        assert_eq!(bits(""), 0.0);
        let r = measure(b"\xff\xfe\x00abc");
        assert!(r.bits > 0.0);
    }
}
