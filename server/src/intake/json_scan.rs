//! A pass over a JSON body before `serde_json` builds anything from it: how deep it nests and an upper
//! bound of what deserializing it allocates, charged to the request's [`Budget`].
//!
//! `[{},{},{}]` is three bytes per span on the wire and a few hundred in memory; serde gives no hook
//! to stop half-way, so the bound is taken up front: every object may become a struct as large as
//! the largest one a decoder builds (`object_cost`), every array a `Vec` header, every byte of text
//! at most one byte. Brackets inside strings are skipped (escapes included); anything malformed is
//! left for `serde_json` to report.

use super::IntakeError;
use super::budget::{Budget, HEADER_COST};

pub(crate) fn charge(
    body: &[u8],
    object_cost: usize,
    budget: &mut Budget<'_>,
) -> Result<(), IntakeError> {
    let mut depth = 0usize;
    let mut objects = 0usize;
    let mut arrays = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in body {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                budget.check_depth(depth)?;
                if byte == b'{' {
                    objects += 1;
                } else {
                    arrays += 1;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let structs = objects
        .saturating_mul(object_cost)
        .saturating_add(arrays.saturating_mul(HEADER_COST));
    budget.charge(structs.saturating_add(body.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::{Limits, Unbounded};

    fn scan(body: &str, limits: Limits) -> Result<(), IntakeError> {
        let mut shared = Unbounded;
        let mut budget = Budget::new(&limits, &mut shared);
        budget.stage("payload", body.len());
        charge(body.as_bytes(), 100, &mut budget)
    }

    #[test]
    fn depth_counts_brackets_outside_strings_only() {
        let limits = Limits {
            max_nesting: 3,
            ..Limits::default()
        };
        scan(r#"[[{"a":"[[[[{{{{\"[[["}]]]"#, limits).expect("strings do not nest");
        let err = scan("[[[[]]]]", limits).expect_err("four levels");
        assert_eq!(err.to_string(), "values nested deeper than 3 levels");
    }

    #[test]
    fn many_small_objects_are_charged_as_structs() {
        let limits = Limits {
            max_expansion: 10,
            ..Limits::default()
        };
        let floor = 1024 * 1024;
        // 3 bytes per object, 100 charged for each: past 10x as soon as the floor is passed.
        let flood = format!("[{}{{}}]", "{},".repeat(floor / 3 + 1));
        let err = scan(&flood, limits).expect_err("a flood of empty objects");
        assert_eq!(err.to_string(), "payload expands to more than 10x its size");
        // Text-heavy JSON of the same size is fine.
        let text = format!(r#"[{{"a":"{}"}}]"#, "x".repeat(floor * 2));
        scan(&text, limits).expect("text costs its size");
    }
}
