//! A zero-copy MessagePack reader over a byte slice: markers come from `rmp`, payload bytes are
//! borrowed from the body. Every length prefix is checked against the bytes that remain before it
//! is used, so a hostile length costs an error, never an allocation.

use std::borrow::Cow;

use rmp::Marker;

use crate::intake::{IntakeError, MsgpackReason};

/// Upper bound on up-front `Vec` capacity; vectors still grow past it as elements actually decode.
const MAX_PREALLOC: usize = 1024;

pub(super) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// A capacity for `len` elements that the remaining input could actually hold (each element
    /// takes at least one byte).
    pub(super) fn capacity(&self, len: usize) -> usize {
        len.min(self.buf.len() - self.pos).min(MAX_PREALLOC)
    }

    fn error_at(&self, offset: usize, reason: MsgpackReason) -> IntakeError {
        IntakeError::Msgpack { offset, reason }
    }

    fn unexpected(&self, offset: usize, expected: &'static str, found: Marker) -> IntakeError {
        let found = kind_name(found);
        self.error_at(offset, MsgpackReason::Unexpected { expected, found })
    }

    fn bytes(&mut self, len: usize) -> Result<&'a [u8], IntakeError> {
        let end = self
            .pos
            .checked_add(len)
            .filter(|end| *end <= self.buf.len());
        let Some(end) = end else {
            return Err(self.error_at(self.buf.len(), MsgpackReason::Truncated));
        };
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], IntakeError> {
        let mut out = [0; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    fn marker(&mut self) -> Result<(usize, Marker), IntakeError> {
        let at = self.pos;
        let [byte] = self.be::<1>()?;
        Ok((at, Marker::from_u8(byte)))
    }

    fn len8(&mut self) -> Result<usize, IntakeError> {
        Ok(usize::from(self.be::<1>()?[0]))
    }

    fn len16(&mut self) -> Result<usize, IntakeError> {
        Ok(usize::from(u16::from_be_bytes(self.be()?)))
    }

    fn len32(&mut self) -> Result<usize, IntakeError> {
        // Saturating on 16-bit targets is fine: the input could not hold that many bytes anyway.
        Ok(usize::try_from(u32::from_be_bytes(self.be()?)).unwrap_or(usize::MAX))
    }

    pub(super) fn array_len(&mut self, expected: &'static str) -> Result<usize, IntakeError> {
        match self.marker()? {
            (_, Marker::FixArray(n)) => Ok(usize::from(n)),
            (_, Marker::Array16) => self.len16(),
            (_, Marker::Array32) => self.len32(),
            (at, other) => Err(self.unexpected(at, expected, other)),
        }
    }

    /// A map's entry count; nil counts as an empty map, as the Datadog Agent allows.
    pub(super) fn map_len(&mut self, expected: &'static str) -> Result<usize, IntakeError> {
        match self.marker()? {
            (_, Marker::FixMap(n)) => Ok(usize::from(n)),
            (_, Marker::Map16) => self.len16(),
            (_, Marker::Map32) => self.len32(),
            (_, Marker::Null) => Ok(0),
            (at, other) => Err(self.unexpected(at, expected, other)),
        }
    }

    /// A string (or binary, or nil as ""), borrowed; invalid UTF-8 is repaired like the Agent does.
    pub(super) fn str(&mut self, expected: &'static str) -> Result<Cow<'a, str>, IntakeError> {
        let len = match self.marker()? {
            (_, Marker::FixStr(n)) => usize::from(n),
            (_, Marker::Str8 | Marker::Bin8) => self.len8()?,
            (_, Marker::Str16 | Marker::Bin16) => self.len16()?,
            (_, Marker::Str32 | Marker::Bin32) => self.len32()?,
            (_, Marker::Null) => 0,
            (at, other) => return Err(self.unexpected(at, expected, other)),
        };
        let bytes = self.bytes(len)?;
        // `from_utf8` is much faster than `from_utf8_lossy` on the valid text tracers send.
        Ok(std::str::from_utf8(bytes)
            .map_or_else(|_| String::from_utf8_lossy(bytes), Cow::Borrowed))
    }

    /// Any integer width, signed or unsigned; booleans and nil read as 1/0.
    fn int(&mut self, expected: &'static str) -> Result<i128, IntakeError> {
        Ok(match self.marker()? {
            (_, Marker::FixPos(n)) => n.into(),
            (_, Marker::FixNeg(n)) => n.into(),
            (_, Marker::U8) => u8::from_be_bytes(self.be()?).into(),
            (_, Marker::U16) => u16::from_be_bytes(self.be()?).into(),
            (_, Marker::U32) => u32::from_be_bytes(self.be()?).into(),
            (_, Marker::U64) => u64::from_be_bytes(self.be()?).into(),
            (_, Marker::I8) => i8::from_be_bytes(self.be()?).into(),
            (_, Marker::I16) => i16::from_be_bytes(self.be()?).into(),
            (_, Marker::I32) => i32::from_be_bytes(self.be()?).into(),
            (_, Marker::I64) => i64::from_be_bytes(self.be()?).into(),
            (_, Marker::Null | Marker::False) => 0,
            (_, Marker::True) => 1,
            (at, other) => return Err(self.unexpected(at, expected, other)),
        })
    }

    /// An id: negative signed values are reinterpreted as their two's complement, as the Agent does
    /// for tracers that encode ids as int64.
    pub(super) fn u64(&mut self, expected: &'static str) -> Result<u64, IntakeError> {
        let value = self.int(expected)?;
        Ok(u64::try_from(value).unwrap_or(value as i64 as u64))
    }

    pub(super) fn i64(&mut self, expected: &'static str) -> Result<i64, IntakeError> {
        let at = self.pos;
        let value = self.int(expected)?;
        i64::try_from(value).map_err(|_| {
            let value = u64::try_from(value).unwrap_or(u64::MAX);
            self.error_at(
                at,
                MsgpackReason::OutOfRange {
                    what: expected,
                    value,
                },
            )
        })
    }

    /// A metric: any integer or float.
    pub(super) fn f64(&mut self, expected: &'static str) -> Result<f64, IntakeError> {
        let at = self.pos;
        match self.marker()? {
            (_, Marker::F32) => Ok(f32::from_be_bytes(self.be()?).into()),
            (_, Marker::F64) => Ok(f64::from_be_bytes(self.be()?)),
            _ => {
                self.pos = at;
                Ok(self.int(expected)? as f64)
            }
        }
    }

    /// Skips one value of any shape. Iterative, so nesting depth costs nothing but input bytes.
    pub(super) fn skip(&mut self) -> Result<(), IntakeError> {
        let mut pending: u64 = 1;
        while pending > 0 {
            pending -= 1;
            let skip = match self.marker()? {
                (_, Marker::FixPos(_) | Marker::FixNeg(_) | Marker::Null)
                | (_, Marker::True | Marker::False) => 0,
                (_, Marker::U8 | Marker::I8) => 1,
                (_, Marker::U16 | Marker::I16) => 2,
                (_, Marker::U32 | Marker::I32 | Marker::F32) => 4,
                (_, Marker::U64 | Marker::I64 | Marker::F64) => 8,
                (_, Marker::FixStr(n)) => usize::from(n),
                (_, Marker::Str8 | Marker::Bin8) => self.len8()?,
                (_, Marker::Str16 | Marker::Bin16) => self.len16()?,
                (_, Marker::Str32 | Marker::Bin32) => self.len32()?,
                (_, Marker::FixExt1) => 2,
                (_, Marker::FixExt2) => 3,
                (_, Marker::FixExt4) => 5,
                (_, Marker::FixExt8) => 9,
                (_, Marker::FixExt16) => 17,
                (_, Marker::Ext8) => self.len8()?.saturating_add(1),
                (_, Marker::Ext16) => self.len16()?.saturating_add(1),
                (_, Marker::Ext32) => self.len32()?.saturating_add(1),
                (_, Marker::FixArray(n)) => nested(&mut pending, n.into(), 1),
                (_, Marker::Array16) => nested(&mut pending, self.len16()?, 1),
                (_, Marker::Array32) => nested(&mut pending, self.len32()?, 1),
                (_, Marker::FixMap(n)) => nested(&mut pending, n.into(), 2),
                (_, Marker::Map16) => nested(&mut pending, self.len16()?, 2),
                (_, Marker::Map32) => nested(&mut pending, self.len32()?, 2),
                (at, Marker::Reserved) => {
                    return Err(self.unexpected(at, "a value", Marker::Reserved));
                }
            };
            self.bytes(skip)?;
        }
        Ok(())
    }
}

/// Queues the elements of a container for skipping; returns the bytes to skip now (none).
fn nested(pending: &mut u64, len: usize, per_element: u64) -> usize {
    let len = u64::try_from(len).unwrap_or(u64::MAX);
    *pending = pending.saturating_add(len.saturating_mul(per_element));
    0
}

fn kind_name(marker: Marker) -> &'static str {
    match marker {
        Marker::FixPos(_) | Marker::FixNeg(_) => "integer",
        Marker::U8 | Marker::U16 | Marker::U32 | Marker::U64 => "integer",
        Marker::I8 | Marker::I16 | Marker::I32 | Marker::I64 => "integer",
        Marker::F32 | Marker::F64 => "float",
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => "string",
        Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => "binary",
        Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => "array",
        Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => "map",
        Marker::Null => "nil",
        Marker::True | Marker::False => "boolean",
        Marker::FixExt1 | Marker::FixExt2 | Marker::FixExt4 | Marker::FixExt8 => "extension",
        Marker::FixExt16 | Marker::Ext8 | Marker::Ext16 | Marker::Ext32 => "extension",
        Marker::Reserved => "reserved byte 0xc1",
    }
}

/// Test-only MessagePack builder, so fixtures read like the payloads they stand for.
#[cfg(test)]
pub(crate) mod build {
    use rmp::encode;

    #[derive(Clone)]
    pub(crate) enum V {
        Arr(Vec<V>),
        Map(Vec<(V, V)>),
        Str(String),
        U(u64),
        I(i64),
        F(f64),
        Nil,
        /// Pre-encoded bytes, to pick a specific integer width.
        Raw(Vec<u8>),
    }

    pub(crate) fn s(value: &str) -> V {
        V::Str(value.to_owned())
    }

    pub(crate) fn map(entries: Vec<(&str, V)>) -> V {
        V::Map(entries.into_iter().map(|(k, v)| (s(k), v)).collect())
    }

    impl V {
        pub(crate) fn encode(&self) -> Vec<u8> {
            let mut out = Vec::new();
            self.write(&mut out);
            out
        }

        fn write(&self, out: &mut Vec<u8>) {
            let len = |n: usize| u32::try_from(n).expect("test payload fits");
            match self {
                V::Arr(items) => {
                    encode::write_array_len(out, len(items.len())).expect("write to Vec");
                    items.iter().for_each(|item| item.write(out));
                }
                V::Map(entries) => {
                    encode::write_map_len(out, len(entries.len())).expect("write to Vec");
                    for (k, v) in entries {
                        k.write(out);
                        v.write(out);
                    }
                }
                V::Str(value) => encode::write_str(out, value).expect("write to Vec"),
                V::U(value) => drop(encode::write_uint(out, *value).expect("write to Vec")),
                V::I(value) => drop(encode::write_sint(out, *value).expect("write to Vec")),
                V::F(value) => encode::write_f64(out, *value).expect("write to Vec"),
                V::Nil => encode::write_nil(out).expect("write to Vec"),
                V::Raw(bytes) => out.extend_from_slice(bytes),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::build::*;
    use super::*;

    #[test]
    fn reads_every_integer_width() {
        let encodings: Vec<(Vec<u8>, i128)> = vec![
            (vec![0x05], 5),
            (vec![0xff], -1),
            (vec![0xcc, 0xfa], 250),
            (vec![0xcd, 0x12, 0x34], 0x1234),
            (vec![0xce, 0xde, 0xad, 0xbe, 0xef], 0xdead_beef),
            (
                vec![0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe],
                i128::from(u64::MAX - 1),
            ),
            (vec![0xd0, 0x80], -128),
            (vec![0xd1, 0x80, 0x00], -32768),
            (vec![0xd2, 0xff, 0xff, 0xff, 0xfe], -2),
            (
                vec![0xd3, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                i128::from(i64::MAX),
            ),
            (vec![0xc0], 0),
            (vec![0xc3], 1),
        ];
        for (bytes, want) in encodings {
            assert_eq!(
                Reader::new(&bytes).int("int").expect("decodes"),
                want,
                "{bytes:x?}"
            );
        }
        let bytes = [0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(Reader::new(&bytes).u64("id").expect("decodes"), u64::MAX);
        let too_big = V::U(u64::MAX).encode();
        let err = Reader::new(&too_big)
            .i64("start")
            .expect_err("out of range");
        assert_eq!(
            err.to_string(),
            "msgpack at byte 0: start 18446744073709551615 does not fit in a signed 64-bit integer"
        );
    }

    #[test]
    fn huge_declared_lengths_fail_without_allocating() {
        for bytes in [
            &[0xdd, 0xff, 0xff, 0xff, 0xff][..],
            &[0xdf, 0xff, 0xff, 0xff, 0xff, 0x01],
            &[0xdb, 0xff, 0xff, 0xff, 0xff, b'a'],
            &[0xc6, 0xff, 0xff, 0xff, 0xff],
            &[0xc9, 0xff, 0xff, 0xff, 0xff, 0x01],
        ] {
            assert!(Reader::new(bytes).skip().is_err(), "{bytes:x?}");
        }
        let mut rd = Reader::new(&[0xdd, 0xff, 0xff, 0xff, 0xff, 0x90]);
        assert_eq!(rd.array_len("array").expect("decodes"), 0xffff_ffff);
        assert_eq!(rd.capacity(0xffff_ffff), 1);
        let err = Reader::new(&[0xdb, 0xff, 0xff, 0xff, 0xff, b'a'])
            .str("name")
            .expect_err("short");
        assert_eq!(
            err.to_string(),
            "msgpack at byte 6: unexpected end of input"
        );
    }

    #[test]
    fn skips_deep_nesting_iteratively() {
        let nested = |depth: usize| {
            let mut bytes = vec![0x91; depth];
            let inner = V::Arr(vec![V::F(1.5), V::Nil, V::Raw(vec![0xd4, 1, 2])]);
            bytes.extend(map(vec![("k", inner)]).encode());
            bytes.push(0x07);
            bytes
        };
        let bytes = nested(200_000);
        let mut rd = Reader::new(&bytes);
        rd.skip().expect("skips");
        assert_eq!(rd.u64("tail").expect("decodes"), 7);
        let bytes = nested(20);
        for end in 0..bytes.len() - 1 {
            assert!(Reader::new(&bytes[..end]).skip().is_err(), "prefix {end}");
        }
        assert!(Reader::new(&[0xc1]).skip().is_err());
    }

    #[test]
    fn strings_accept_bin_and_nil_and_repair_utf8() {
        let cases: [(&[u8], &str); 4] = [
            (&[0xa2, b'o', b'k'], "ok"),
            (&[0xc4, 0x02, b'h', b'i'], "hi"),
            (&[0xc0], ""),
            (&[0xa2, b'a', 0xff], "a\u{fffd}"),
        ];
        for (bytes, want) in cases {
            assert_eq!(Reader::new(bytes).str("s").expect("decodes"), want);
        }
        let err = Reader::new(&[0x81])
            .str("string for service")
            .expect_err("a map");
        assert_eq!(
            err.to_string(),
            "msgpack at byte 0: expected string for service, found map"
        );
    }
}
