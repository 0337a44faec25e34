//! Line and column numbers, computed only for findings (never for the whole input).

/// A 1-based line and column; the column counts characters (UTF-8 continuation bytes are
/// not counted, so invalid UTF-8 still yields a column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Converts byte offsets to positions; offsets asked in increasing order cost one pass overall.
#[derive(Debug)]
pub struct LineIndex<'a> {
    haystack: &'a [u8],
    /// Offset and line number of the last line start found.
    line_start: usize,
    line: usize,
}

impl<'a> LineIndex<'a> {
    /// An index over `haystack`.
    pub fn new(haystack: &'a [u8]) -> LineIndex<'a> {
        LineIndex {
            haystack,
            line_start: 0,
            line: 1,
        }
    }

    /// Position of byte `offset`; cheapest when offsets are asked in increasing order.
    pub fn position(&mut self, offset: usize) -> Position {
        let offset = offset.min(self.haystack.len());
        if offset < self.line_start {
            self.line_start = 0;
            self.line = 1;
        }
        self.line += memchr::memchr_iter(b'\n', &self.haystack[self.line_start..offset]).count();
        if let Some(last) = memchr::memrchr(b'\n', &self.haystack[self.line_start..offset]) {
            self.line_start += last + 1;
        }
        let column = 1 + self.haystack[self.line_start..offset]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        Position {
            line: self.line,
            column,
        }
    }

    /// The line that holds `offset`, without its line terminator (`\n` or `\r\n`).
    pub fn line_bytes(&self, offset: usize) -> (usize, &'a [u8]) {
        let offset = offset.min(self.haystack.len());
        let start = memchr::memrchr(b'\n', &self.haystack[..offset]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &self.haystack[offset..]).map_or(self.haystack.len(), |i| offset + i);
        let mut line = &self.haystack[start..end];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        (start, line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "a\r\nbé c\nxyz".as_bytes();
        let mut index = LineIndex::new(text);
        assert_eq!(index.position(0), Position { line: 1, column: 1 });
        let c = text.iter().position(|&b| b == b'c').unwrap();
        assert_eq!(index.position(c), Position { line: 2, column: 4 });
        let z = text.len() - 1;
        assert_eq!(index.position(z), Position { line: 3, column: 3 });
        assert_eq!(index.line_bytes(0).1, b"a");
        assert_eq!(index.position(1), Position { line: 1, column: 2 });
    }
}
