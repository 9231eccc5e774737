//! Linking repositories and code mappings: validation with reasons users can act on, and the settings
//! list (never a credential).

use std::collections::BTreeMap;

use domain::audit::AuditAction;
use domain::source::repo_url::{RepoUrl, valid_name, valid_owner};
use domain::source::{
    CodeMapping, CodeMappingInput, Credentials, Repository, RepositoryInput, SeenRepository,
    SourceSettings,
};

use super::SourceService;
use crate::audit::{Actor, detail};
use crate::storage::{RepositoryRow, Saved, Secret, StoreError};

const MAX_TEXT: usize = 1000;
const MAX_SERVICES: usize = 100;
const MAX_KEY_BYTES: usize = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The input breaks a rule; the text says which, for users.
    #[error("{0}")]
    Invalid(String),
    #[error("not found")]
    NotFound,
    #[error("this repository is already linked")]
    Duplicate,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid<T>(reason: impl Into<String>) -> Result<T, SettingsError> {
    Err(SettingsError::Invalid(reason.into()))
}

/// `http(s)://host[:port][/path]` without credentials, query or fragment; trailing slashes dropped.
/// Blank means the default API.
fn api_base(input: Option<&str>) -> Result<Option<String>, SettingsError> {
    let Some(base) = input.map(str::trim).filter(|b| !b.is_empty()) else {
        return Ok(None);
    };
    let rest = match base.split_once("://") {
        Some((scheme, rest)) if scheme == "https" || scheme == "http" => rest,
        _ => return invalid("the API base URL must start with https:// or http://"),
    };
    let authority = rest.split('/').next().unwrap_or_default();
    if base.len() > MAX_TEXT
        || authority.is_empty()
        || authority.contains('@')
        || base.contains(['?', '#', ' '])
        || base.parse::<http::Uri>().is_err()
    {
        return invalid("the API base URL must look like https://github.example.com/api/v3");
    }
    Ok(Some(base.trim_end_matches('/').to_owned()))
}

fn secret(credentials: &Credentials, creating: bool) -> Result<Option<Secret>, SettingsError> {
    Ok(Some(match credentials {
        Credentials::Keep if creating => {
            return invalid("credentials are required when linking a repository");
        }
        Credentials::Keep => return Ok(None),
        Credentials::None => Secret::None,
        Credentials::Token { token } => {
            let token = token.trim();
            if token.is_empty()
                || token.len() > MAX_TEXT
                || token.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return invalid(
                    "the token must be one line of up to 1000 characters without spaces",
                );
            }
            Secret::Token(token.to_owned())
        }
        Credentials::App {
            app_id,
            installation_id,
            private_key,
        } => {
            if *app_id == 0 || *installation_id == 0 {
                return invalid("the app id and installation id must be positive numbers");
            }
            if i64::try_from(*app_id).is_err() || i64::try_from(*installation_id).is_err() {
                return invalid("the app id or installation id is too large");
            }
            let pem = private_key.trim();
            if pem.len() > MAX_KEY_BYTES
                || octocrab::EncodingKey::from_rsa_pem(pem.as_bytes()).is_err()
            {
                return invalid("the private key must be the app's RSA key in PEM format");
            }
            Secret::App {
                app_id: *app_id,
                installation_id: *installation_id,
                private_key: pem.to_owned(),
            }
        }
    }))
}

fn services(input: &[String]) -> Result<Vec<String>, SettingsError> {
    let services: Vec<String> = input
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if services.len() > MAX_SERVICES || services.iter().any(|s| s.len() > 200) {
        return invalid("at most 100 services of up to 200 characters each");
    }
    Ok(services)
}

/// Checks a repository input and turns it into a row.
pub fn repository_row(input: &RepositoryInput) -> Result<RepositoryRow, SettingsError> {
    let owner = input.owner.trim();
    let name = input.name.trim();
    let name = name.strip_suffix(".git").unwrap_or(name);
    if !valid_owner(owner) {
        return invalid("the owner must be 1 to 100 letters, digits, '-' or '_'");
    }
    if !valid_name(name) {
        return invalid("the repository name must be 1 to 100 letters, digits, '-', '_' or '.'");
    }
    Ok(RepositoryRow {
        owner: owner.to_owned(),
        name: name.to_owned(),
        api_base_url: api_base(input.api_base_url.as_deref())?,
        secret: secret(&input.credentials, input.id.is_none())?,
        services: services(&input.services)?,
    })
}

/// Checks a code mapping: roots of up to 1000 characters, a source root inside the repository.
pub fn mapping_input(input: &CodeMappingInput) -> Result<CodeMappingInput, SettingsError> {
    let stack_root = input.stack_root.trim();
    let source_root = input.source_root.trim().trim_matches('/');
    if stack_root.is_empty() {
        return invalid("the stack root is required (the path prefix frames start with)");
    }
    if stack_root.len() > MAX_TEXT || source_root.len() > MAX_TEXT {
        return invalid("roots are at most 1000 characters");
    }
    if source_root.contains('\\') || source_root.split('/').any(|s| s == "..") {
        return invalid(
            "the source root must be a path inside the repository, with '/' separators",
        );
    }
    let service = input
        .service
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if service.is_some_and(|s| s.len() > 200) {
        return invalid("the service is at most 200 characters");
    }
    Ok(CodeMappingInput {
        repository_id: input.repository_id,
        service: service.map(str::to_owned),
        stack_root: stack_root.to_owned(),
        source_root: source_root.to_owned(),
    })
}

fn saved<T>(result: Saved<T>) -> Result<T, SettingsError> {
    match result {
        Saved::Saved(value) => Ok(value),
        Saved::NotFound => Err(SettingsError::NotFound),
        Saved::Duplicate => Err(SettingsError::Duplicate),
    }
}

impl SourceService {
    /// Linked repositories, code mappings and the repositories seen in span tags.
    pub async fn settings(&self) -> Result<SourceSettings, StoreError> {
        let repositories = self.store.repositories().await?;
        let mappings = self.store.code_mappings().await?;
        let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (url, service) in self.store.seen_repositories().await? {
            seen.entry(url).or_default().push(service);
        }
        let seen = seen
            .into_iter()
            .filter_map(|(url, services)| {
                let parsed = RepoUrl::parse(&url)?;
                let linked = repositories
                    .iter()
                    .find(|r| parsed.is(&r.owner, &r.name, r.api_base_url.as_deref()))
                    .map(|r| r.id);
                Some(SeenRepository {
                    url,
                    owner: parsed.owner,
                    name: parsed.name,
                    services,
                    linked,
                })
            })
            .collect();
        Ok(SourceSettings {
            repositories,
            mappings,
            seen,
        })
    }

    /// Links (no `id`) or updates a repository.
    /// Links a repository (or updates one, `input.id`), audited as `actor`'s; which credentials
    /// kind is recorded, never the credentials.
    pub async fn save_repository(
        &self,
        actor: &Actor,
        input: &RepositoryInput,
    ) -> Result<Repository, SettingsError> {
        let row = repository_row(input)?;
        let repository = saved(self.store.save_repository(input.id, &row).await?)?;
        let action = match input.id {
            Some(_) => AuditAction::RepositoryUpdated,
            None => AuditAction::RepositoryLinked,
        };
        let what = detail([
            ("repository", repository.id.to_string()),
            ("name", format!("{}/{}", repository.owner, repository.name)),
            ("auth", format!("{:?}", repository.auth).to_lowercase()),
        ]);
        actor.record(&self.store, action, what).await?;
        Ok(repository)
    }

    /// Unlinks a repository with its mappings, audited as `actor`'s; `false` for an unknown id.
    pub async fn delete_repository(&self, actor: &Actor, id: i64) -> Result<bool, StoreError> {
        let deleted = self.store.delete_repository(id).await?;
        if deleted {
            let what = detail([("repository", id.to_string())]);
            actor
                .record(&self.store, AuditAction::RepositoryUnlinked, what)
                .await?;
        }
        Ok(deleted)
    }

    pub async fn save_code_mapping(
        &self,
        input: &CodeMappingInput,
    ) -> Result<CodeMapping, SettingsError> {
        let input = mapping_input(input)?;
        saved(self.store.save_code_mapping(&input).await?)
    }

    pub async fn delete_code_mapping(&self, id: i64) -> Result<bool, StoreError> {
        self.store.delete_code_mapping(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(
        owner: &str,
        name: &str,
        base: Option<&str>,
        credentials: Credentials,
    ) -> RepositoryInput {
        RepositoryInput {
            id: None,
            owner: owner.into(),
            name: name.into(),
            api_base_url: base.map(Into::into),
            credentials,
            services: vec![" checkout ".into(), String::new()],
        }
    }

    #[test]
    fn validates_repositories() {
        let token = || Credentials::Token {
            token: "ghp_x".into(),
        };
        let ok = repository_row(&input(
            "acme",
            "shop.git",
            Some("https://ghe.acme.io/api/v3/"),
            token(),
        ))
        .expect("valid");
        assert_eq!(ok.name, "shop");
        assert_eq!(
            ok.api_base_url.as_deref(),
            Some("https://ghe.acme.io/api/v3")
        );
        assert_eq!(ok.services, ["checkout"]);
        let bad = [
            input("ac/me", "shop", None, token()),
            input("acme", "", None, token()),
            input("acme", "shop", Some("ftp://x"), token()),
            input("acme", "shop", Some("https://u:p@ghe.acme.io"), token()),
            input("acme", "shop", None, Credentials::Keep),
            input(
                "acme",
                "shop",
                None,
                Credentials::Token {
                    token: "two words".into(),
                },
            ),
            input(
                "acme",
                "shop",
                None,
                Credentials::App {
                    app_id: 1,
                    installation_id: 2,
                    private_key: "nope".into(),
                },
            ),
        ];
        for input in bad {
            assert!(
                matches!(repository_row(&input), Err(SettingsError::Invalid(_))),
                "{input:?}"
            );
        }
    }

    #[test]
    fn validates_mappings() {
        let mapping = |stack: &str, source: &str| CodeMappingInput {
            repository_id: 1,
            service: Some(" ".into()),
            stack_root: stack.into(),
            source_root: source.into(),
        };
        let ok = mapping_input(&mapping("/srv/app/", "/src/")).expect("valid");
        assert_eq!((ok.service, ok.source_root.as_str()), (None, "src"));
        assert!(mapping_input(&mapping("", "src")).is_err());
        assert!(mapping_input(&mapping("/srv", "../etc")).is_err());
    }
}
