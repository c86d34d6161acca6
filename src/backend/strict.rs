//! Strict JSON input: an object where the contract wants an object. serde's derive also
//! builds a struct from an array of its fields in order (`[1, 2]` as `{"x": 1, "y": 2}`);
//! these wrappers refuse that, and keep the field paths `serde_path_to_error` reports.

use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// A `T` read only from a JSON object.
#[derive(Debug, Clone, PartialEq)]
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ObjectVisitor(PhantomData)).map(Object)
    }
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }
}

/// For `#[serde(default, deserialize_with = "…")]` on an optional struct field: absent or
/// `null` is `None`, an object is the value, anything else is refused.
pub fn optional_object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Object<T>>::deserialize(d)?.map(|Object(t)| t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Xy {
        x: f64,
        y: f64,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        #[serde(default, deserialize_with = "optional_object")]
        at: Option<Xy>,
    }

    fn path_of_error<T: for<'de> Deserialize<'de>>(text: &str) -> (String, String) {
        let de = &mut serde_json::Deserializer::from_str(text);
        let e = serde_path_to_error::deserialize::<_, T>(de).err().unwrap();
        (e.path().to_string(), e.inner().to_string())
    }

    #[test]
    fn objects_are_read_arrays_refused() {
        let Object(xy) = serde_json::from_str::<Object<Xy>>(r#"{"x": 1, "y": 2}"#).unwrap();
        assert_eq!(xy, Xy { x: 1.0, y: 2.0 });
        assert!(
            serde_json::from_str::<Xy>("[1, 2]").is_ok(),
            "serde alone takes it"
        );
        let (_, message) = path_of_error::<Object<Xy>>("[1, 2]");
        assert!(message.contains("expected a JSON object"), "{message}");
    }

    #[test]
    fn nested_fields_keep_their_paths() {
        let outer: Outer = serde_json::from_str(r#"{"at": null}"#).unwrap();
        assert_eq!(outer.at, None);
        let outer: Outer = serde_json::from_str("{}").unwrap();
        assert_eq!(outer.at, None);
        let (path, message) = path_of_error::<Outer>(r#"{"at": [1, 2]}"#);
        assert_eq!(path, "at");
        assert!(message.contains("expected a JSON object"), "{message}");
        let (path, _) = path_of_error::<Outer>(r#"{"at": {"x": "1", "y": 2}}"#);
        assert_eq!(path, "at.x");
        let (_, message) = path_of_error::<Object<Outer>>(r#"{"at": {"x": 1, "y": 2, "z": 3}}"#);
        assert!(message.contains("unknown field `z`"), "{message}");
    }
}
