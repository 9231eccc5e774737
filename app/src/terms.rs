//! Editing the search text from clicks: a facet value or a tag adds `key:value` (or `-key:value`) to
//! the search, and clicking a value already in it takes it out again.

use domain::query::{FacetKey, Pattern, Term, parse_search};

/// Whether `key:value` is in the search: `Some(false)` included, `Some(true)` excluded.
pub fn term_state(search: &str, key: FacetKey, value: &str) -> Option<bool> {
    let parsed = parse_search(search).ok()?;
    parsed.terms.iter().find_map(|term| match term {
        Term::Facet {
            key: k,
            value: v,
            negated,
        } if *k == key && v.as_str() == value => Some(*negated),
        _ => None,
    })
}

/// `search` with `key:value` (`negated`: `-key:value`) toggled: removed when already there with the
/// same sign, otherwise added in place of the opposite sign. A search that does not parse gets the
/// term appended, so no typing is lost.
pub fn toggle_facet(search: &str, key: FacetKey, value: &str, negated: bool) -> String {
    let term = Term::Facet {
        key,
        value: Pattern::new(value),
        negated,
    };
    let Ok(mut parsed) = parse_search(search) else {
        return format!("{} {}", search.trim_end(), term.to_query_string());
    };
    let same_facet = |t: &Term| matches!(t, Term::Facet { key: k, value: v, .. } if *k == key && v.as_str() == value);
    let present = parsed.terms.contains(&term);
    parsed.terms.retain(|t| !same_facet(t));
    if !present {
        parsed.terms.push(term);
    }
    parsed.to_query_string()
}

/// The search facet a tag of an event maps to, if any: the tracers' names for service, env, version,
/// host and resource. Other tags are not searchable.
pub fn tag_facet(tag: &str) -> Option<FacetKey> {
    Some(match tag {
        "service" | "service.name" => FacetKey::Service,
        "env" | "deployment.environment" | "deployment.environment.name" => FacetKey::Env,
        "version" | "service.version" => FacetKey::Version,
        "host" | "host.name" | "_dd.hostname" | "hostname" => FacetKey::Host,
        "resource" | "resource.name" => FacetKey::Resource,
        "error.type" => FacetKey::Type,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facets_toggle_in_the_search() {
        use FacetKey::{Env, Host, Service, Type};
        let cases = [
            ("", Service, "checkout", false, "service:checkout"),
            ("timeout", Env, "prod", false, "timeout env:prod"),
            ("env:prod", Env, "prod", false, ""),
            ("env:prod", Env, "prod", true, "-env:prod"),
            ("-host:web-3 x", Host, "web-3", false, "x host:web-3"),
            ("-host:web-3", Host, "web-3", true, ""),
            ("", Type, "Foo Bar", false, r#"type:"Foo Bar""#),
            ("Error:", Service, "a", false, "Error: service:a"),
            ("  ", Service, "a", true, "-service:a"),
        ];
        for (search, key, value, negated, want) in cases {
            assert_eq!(
                toggle_facet(search, key, value, negated).trim(),
                want,
                "{search:?} {value} {negated}"
            );
        }
    }

    #[test]
    fn terms_in_the_search_are_found() {
        let search = "service:checkout -host:web-3 env:*";
        assert_eq!(
            term_state(search, FacetKey::Service, "checkout"),
            Some(false)
        );
        assert_eq!(term_state(search, FacetKey::Host, "web-3"), Some(true));
        assert_eq!(term_state(search, FacetKey::Env, "prod"), None);
        assert_eq!(term_state("service:", FacetKey::Service, ""), None);
    }

    #[test]
    fn tags_map_to_facets() {
        assert_eq!(
            tag_facet("deployment.environment.name"),
            Some(FacetKey::Env)
        );
        assert_eq!(tag_facet("host.name"), Some(FacetKey::Host));
        assert_eq!(tag_facet("http.method"), None);
    }
}
