//! The hash of a component tree; the encoding is described on [`super::fingerprint`].

use sha2::{Digest, Sha256};

use super::{Component, GroupingVersion};

/// The first 32 hex digits of the SHA-256 of the version and the contributing components.
pub fn hash(version: GroupingVersion, tree: &Component) -> String {
    let mut bytes = Vec::new();
    put(&mut bytes, version.as_str());
    encode(tree, &mut bytes);
    let digest = Sha256::digest(&bytes);
    digest
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Appends the encoding of a contributing component.
fn encode(component: &Component, out: &mut Vec<u8>) {
    put(out, &component.id);
    out.extend_from_slice(format!("{};", component.values.len()).as_bytes());
    for value in &component.values {
        put(out, value);
    }
    let contributing: Vec<&Component> = component
        .children
        .iter()
        .filter(|c| c.contributes)
        .collect();
    out.extend_from_slice(format!("{};", contributing.len()).as_bytes());
    for child in contributing {
        encode(child, out);
    }
}

fn put(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(format!("{}:", text.len()).as_bytes());
    out.extend_from_slice(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_does_not_collide() {
        let leaf = |values: &[&str]| Component {
            id: "function".to_owned(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
            contributes: true,
            ..Component::default()
        };
        let node = |children: Vec<Component>| Component {
            id: "frame".to_owned(),
            contributes: true,
            children,
            ..Component::default()
        };
        let pairs = [
            (leaf(&["ab", "c"]), leaf(&["a", "bc"])),
            (leaf(&["a:b"]), leaf(&["a", "b"])),
            (
                node(vec![leaf(&["a"]), leaf(&["b"])]),
                node(vec![leaf(&["a", "b"])]),
            ),
            (
                node(vec![node(vec![leaf(&["a"])]), leaf(&["b"])]),
                node(vec![node(vec![leaf(&["a"]), leaf(&["b"])])]),
            ),
        ];
        for (a, b) in pairs {
            assert_ne!(
                hash(GroupingVersion::CURRENT, &a),
                hash(GroupingVersion::CURRENT, &b),
                "{a:?} vs {b:?}"
            );
        }
        let mut ignored = leaf(&["x"]);
        ignored.contributes = false;
        ignored.hint = Some("why".to_owned());
        assert_eq!(
            hash(GroupingVersion::CURRENT, &node(vec![leaf(&["a"]), ignored])),
            hash(GroupingVersion::CURRENT, &node(vec![leaf(&["a"])]))
        );
    }
}
