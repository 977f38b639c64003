//! The top-level values of a JSON text (one value, NDJSON, or any run of values
//! separated by white space), read from a stream one at a time.
//!
//! Each value's bytes are found by a scan that tracks only strings and
//! nesting, then parsed from memory: `serde_json` reads a slice several times
//! faster than it reads an `io::Read` byte by byte, and a large NDJSON file is
//! still never held whole (only the value being read is).

use std::io::BufRead;

use serde_json::Value;

/// Why a value could not be read.
#[derive(Debug)]
pub enum ValueError {
    Io(std::io::Error),
    /// Not valid JSON: serde's message, positioned within the value.
    Syntax(String),
}

/// An iterator over the top-level values of `reader`; it ends at the first error.
pub struct TopLevelValues<R> {
    reader: R,
    buffer: Vec<u8>,
    done: bool,
}

impl<R: BufRead> TopLevelValues<R> {
    pub fn new(reader: R) -> TopLevelValues<R> {
        TopLevelValues {
            reader,
            buffer: Vec::new(),
            done: false,
        }
    }

    /// Skips white space; false at the end of the input.
    fn skip_space(&mut self) -> Result<bool, std::io::Error> {
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok(false);
            }
            let space = available
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            let more = space < available.len();
            self.reader.consume(space);
            if more {
                return Ok(true);
            }
        }
    }

    /// Reads the bytes of the value that starts here into `buffer`: up to the
    /// bracket that closes the first one, the quote that ends a string, or
    /// (a number or literal) the next white space; or to the end of the input.
    fn read_value(&mut self) -> Result<(), std::io::Error> {
        self.buffer.clear();
        let mut depth: i64 = 0;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok(());
            }
            let mut end = None;
            for (i, &byte) in available.iter().enumerate() {
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if byte == b'\\' {
                        escaped = true;
                    } else if byte == b'"' {
                        in_string = false;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    continue;
                }
                match byte {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth <= 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    b if depth == 0 && b.is_ascii_whitespace() => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let taken = end.unwrap_or(available.len());
            self.buffer.extend_from_slice(&available[..taken]);
            self.reader.consume(taken);
            if end.is_some() {
                return Ok(());
            }
        }
    }
}

impl<R: BufRead> Iterator for TopLevelValues<R> {
    type Item = Result<Value, ValueError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let read = self.skip_space().and_then(|more| {
            if more {
                self.read_value().map(|()| true)
            } else {
                Ok(false)
            }
        });
        let result = match read {
            Ok(false) => {
                self.done = true;
                return None;
            }
            Ok(true) => serde_json::from_slice::<Value>(&self.buffer)
                .map_err(|e| ValueError::Syntax(positioned(&e))),
            Err(e) => Err(ValueError::Io(e)),
        };
        self.done = result.is_err();
        Some(result)
    }
}

/// serde's message with its position said as within the value (serde counts
/// from the start of what it was given: here the value, not the file).
fn positioned(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(message) if e.line() <= 1 => {
            format!("{message} at character {} of the record", e.column())
        }
        Some(message) => format!(
            "{message} at line {} column {} of the record",
            e.line(),
            e.column()
        ),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<Result<Value, String>> {
        TopLevelValues::new(std::io::BufReader::with_capacity(7, text.as_bytes()))
            .map(|v| {
                v.map_err(|e| match e {
                    ValueError::Io(e) => e.to_string(),
                    ValueError::Syntax(m) => m,
                })
            })
            .collect()
    }

    #[test]
    fn reads_ndjson_runs_arrays_and_scalars_across_buffer_edges() {
        let text = "{\"a\": \"x}\\\"y\", \"b\": [1, {\"c\": null}]}\n\n  [1,2]{\"d\":\"]\"}\r\n\"s t\" 12 true\n";
        let got: Vec<Value> = values(text)
            .into_iter()
            .map(|v| v.unwrap_or_default())
            .collect();
        assert_eq!(
            got,
            [
                serde_json::json!({"a": "x}\"y", "b": [1, {"c": null}]}),
                serde_json::json!([1, 2]),
                serde_json::json!({"d": "]"}),
                serde_json::json!("s t"),
                serde_json::json!(12),
                serde_json::json!(true),
            ]
        );
        assert!(values("").is_empty() && values(" \n\t ").is_empty());
    }

    #[test]
    fn a_broken_value_is_an_error_positioned_in_it_and_ends_the_stream() {
        let got = values("{\"a\": 1}\n{\"b\": tru}\n{\"c\": 3}\n");
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].is_ok());
        let message = got[1].as_ref().err().cloned().unwrap_or_default();
        assert!(message.contains("of the record"), "{message}");
        // A value cut off by the end of the file.
        let cut = values("{\"a\": [1, 2");
        assert_eq!(cut.len(), 1);
        assert!(
            cut[0]
                .as_ref()
                .err()
                .is_some_and(|m| m.contains("EOF while parsing")),
            "{cut:?}"
        );
    }
}
