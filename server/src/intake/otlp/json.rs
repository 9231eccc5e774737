//! OTLP/JSON scalars, read leniently because exporters disagree: ids as hex (the OTLP spec) or base64
//! (the proto3 JSON mapping), 64-bit integers as numbers or strings, enums as integers or names.
//! Nesting depth is bounded by `serde_json`'s recursion limit.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::base64;
use super::proto::{AnyValue, ArrayValue, KeyValueList, Value};

pub(super) fn trace_id<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    id(d, 16)
}

pub(super) fn span_id<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    id(d, 8)
}

/// Hex of exactly `len` bytes, else base64 of any length (the mapping checks lengths later).
fn id<'de, D: Deserializer<'de>>(d: D, len: usize) -> Result<Vec<u8>, D::Error> {
    let text = Option::<String>::deserialize(d)?.unwrap_or_default();
    if let Some(bytes) = decode_hex(&text).filter(|bytes| bytes.len() == len) {
        return Ok(bytes);
    }
    base64::decode(&text).ok_or_else(|| {
        de::Error::custom(format_args!(
            "id `{text}` is neither {len}-byte hex nor base64"
        ))
    })
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digit = |b: u8| char::from(b).to_digit(16);
    let pairs = text.as_bytes().chunks(2);
    pairs
        .map(|pair| match *pair {
            [hi, lo] => Some(u8::try_from(digit(hi)? << 4 | digit(lo)?).ok()?),
            _ => None,
        })
        .collect()
}

/// A JSON number, or a string holding one (how 64-bit integers travel in proto3 JSON).
enum Number {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

struct NumberVisitor;

impl Visitor<'_> for NumberVisitor {
    type Value = Number;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a numeric string")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
        Ok(Number::Unsigned(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
        Ok(Number::Signed(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
        Ok(Number::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
        let v = v.trim();
        v.parse()
            .map(Number::Unsigned)
            .or_else(|_| v.parse().map(Number::Signed))
            .or_else(|_| v.parse().map(Number::Float))
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Number, E> {
        Ok(Number::Unsigned(0))
    }
}

pub(super) fn u64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match d.deserialize_any(NumberVisitor)? {
        Number::Unsigned(v) => Ok(v),
        Number::Float(v) if v.is_finite() && v >= 0.0 => Ok(v as u64),
        Number::Signed(v) => Err(de::Error::custom(format_args!("{v} is negative"))),
        Number::Float(v) => Err(de::Error::custom(format_args!("{v} is not a timestamp"))),
    }
}

fn i64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match d.deserialize_any(NumberVisitor)? {
        Number::Signed(v) => Ok(v),
        Number::Unsigned(v) => i64::try_from(v)
            .map_err(|_| de::Error::custom(format_args!("intValue {v} exceeds int64"))),
        Number::Float(v) if v.fract() == 0.0 && v.abs() < 9.2e18 => Ok(v as i64),
        Number::Float(v) => Err(de::Error::custom(format_args!(
            "intValue {v} is not an integer"
        ))),
    }
}

fn f64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(match d.deserialize_any(NumberVisitor)? {
        Number::Unsigned(v) => v as f64,
        Number::Signed(v) => v as f64,
        Number::Float(v) => v,
    })
}

/// An enum as its number or its proto name (index in `names` is the value); unknown names read as 0.
struct EnumVisitor(&'static [&'static str]);

impl Visitor<'_> for EnumVisitor {
    type Value = i32;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an enum number or name")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i32, E> {
        i32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i32, E> {
        i32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i32, E> {
        let index = self.0.iter().position(|name| name.eq_ignore_ascii_case(v));
        Ok(index.and_then(|i| i32::try_from(i).ok()).unwrap_or(0))
    }

    fn visit_unit<E: de::Error>(self) -> Result<i32, E> {
        Ok(0)
    }
}

pub(super) fn span_kind<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    const NAMES: &[&str] = &[
        "SPAN_KIND_UNSPECIFIED",
        "SPAN_KIND_INTERNAL",
        "SPAN_KIND_SERVER",
        "SPAN_KIND_CLIENT",
        "SPAN_KIND_PRODUCER",
        "SPAN_KIND_CONSUMER",
    ];
    d.deserialize_any(EnumVisitor(NAMES))
}

pub(super) fn status_code<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    const NAMES: &[&str] = &["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];
    d.deserialize_any(EnumVisitor(NAMES))
}

/// `{"stringValue": "x"}`, `{"intValue": "3"}`, ...: the oneof as a single-key object. Null and
/// unknown keys are ignored; if several keys are present the last wins.
impl<'de> Deserialize<'de> for AnyValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnyValueVisitor)
    }
}

struct AnyValueVisitor;

impl<'de> Visitor<'de> for AnyValueVisitor {
    type Value = AnyValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OTLP AnyValue object")
    }

    fn visit_unit<E: de::Error>(self) -> Result<AnyValue, E> {
        Ok(AnyValue::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyValue, A::Error> {
        let mut value = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let next = match &*key {
                "stringValue" | "string_value" => {
                    map.next_value::<Option<String>>()?.map(Value::String)
                }
                "boolValue" | "bool_value" => map.next_value::<Option<bool>>()?.map(Value::Bool),
                "intValue" | "int_value" => Some(Value::Int(map.next_value::<IntValue>()?.0)),
                "doubleValue" | "double_value" => {
                    Some(Value::Double(map.next_value::<DoubleValue>()?.0))
                }
                "arrayValue" | "array_value" => {
                    map.next_value::<Option<ArrayValue>>()?.map(Value::Array)
                }
                "kvlistValue" | "kvlist_value" => {
                    map.next_value::<Option<KeyValueList>>()?.map(Value::Kvlist)
                }
                "bytesValue" | "bytes_value" => {
                    let text = map.next_value::<Option<String>>()?.unwrap_or_default();
                    let bytes = base64::decode(&text).ok_or_else(|| {
                        de::Error::custom(format_args!("bytesValue `{text}` is not base64"))
                    })?;
                    Some(Value::Bytes(bytes))
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    None
                }
            };
            value = next.or(value);
        }
        Ok(AnyValue { value })
    }
}

struct IntValue(i64);

impl<'de> Deserialize<'de> for IntValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        i64_lenient(d).map(Self)
    }
}

struct DoubleValue(f64);

impl<'de> Deserialize<'de> for DoubleValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        f64_lenient(d).map(Self)
    }
}
