//! `assignee:` terms need what only the server knows: `me` becomes the caller's email, and an email
//! no user has is reported like a parse error, pointing at its term, rather than silently matching
//! nothing.

use domain::query::{AssigneeValue, FacetKey, Pattern, Search, SearchError, Term, term_spans};

use crate::storage::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `search` (parsed from `text`) with `assignee:me` as `me_email`'s (`None`: nobody signed in, an
/// error) and every literal `assignee:` email checked against the users.
pub async fn resolve(
    store: &Store,
    text: &str,
    search: Search,
    me_email: Option<&str>,
) -> Result<Search, ResolveError> {
    let emails: Vec<String> = search
        .terms
        .iter()
        .filter_map(|term| match assignee(term)? {
            AssigneeValue::Email(email) => email.literal().map(str::to_lowercase),
            _ => None,
        })
        .collect();
    let known = store.known_emails(&emails).await?;
    let spans = term_spans(text);
    let mut terms = Vec::with_capacity(search.terms.len());
    for (index, term) in search.terms.into_iter().enumerate() {
        let (start, end) = spans.get(index).copied().unwrap_or((0, text.len()));
        let fail = |message: String| SearchError {
            message,
            start,
            end,
        };
        let resolved = match assignee(&term) {
            Some(AssigneeValue::Me) => {
                let email = me_email
                    .ok_or_else(|| fail("`assignee:me` needs a signed-in user".to_owned()))?;
                Term::Facet {
                    key: FacetKey::Assignee,
                    value: Pattern::new(email),
                    negated: term.negated(),
                }
            }
            Some(AssigneeValue::Email(email)) => {
                if let Some(literal) = email.literal()
                    && !known.contains(&literal.to_lowercase())
                {
                    return Err(fail(format!(
                        "no user has the email `{literal}`; try `assignee:me`, `assignee:none` \
                         or a user's email"
                    ))
                    .into());
                }
                term
            }
            Some(AssigneeValue::Nobody) | None => term,
        };
        terms.push(resolved);
    }
    Ok(Search { terms })
}

fn assignee(term: &Term) -> Option<AssigneeValue<'_>> {
    match term {
        Term::Facet {
            key: FacetKey::Assignee,
            value,
            ..
        } => Some(AssigneeValue::of(value)),
        _ => None,
    }
}
