//! An issue's events by version, env, host and resource over the chosen range: the top values with
//! their share, each a link to the explorer searching for it; resources with their error rate
//! (errors / hits of the service's entry spans).

use domain::explorer::{ErrorRate, IssueDistribution, Share};
use domain::query::FacetKey;
use leptos::prelude::*;

use crate::terms::toggle_facet;
use crate::url::search_href;

#[component]
pub fn Breakdowns(distribution: IssueDistribution, service: String) -> impl IntoView {
    let IssueDistribution {
        versions,
        envs,
        hosts,
        resources,
        error_rates,
        ..
    } = distribution;
    let groups = [
        ("Versions", FacetKey::Version, versions),
        ("Environments", FacetKey::Env, envs),
        ("Hosts", FacetKey::Host, hosts),
    ];
    let simple = groups
        .into_iter()
        .map(|(title, key, shares)| {
            view! { <ShareTable title key shares service=service.clone() rates=Vec::new() /> }
        })
        .collect_view();
    view! {
        <div class="breakdowns">
            {simple}
            <ShareTable
                title="Resources"
                key=FacetKey::Resource
                shares=resources
                service=service.clone()
                rates=error_rates
            />
        </div>
    }
}

/// `service:<service> key:value`: where a breakdown's value leads.
fn value_href(service: &str, key: FacetKey, value: &str) -> String {
    let search = toggle_facet(
        &toggle_facet("", FacetKey::Service, service, false),
        key,
        value,
        false,
    );
    search_href(&search)
}

pub fn percent(share: f64) -> String {
    let pct = share * 100.0;
    if pct > 0.0 && pct < 1.0 {
        "<1%".to_owned()
    } else {
        format!("{pct:.0}%")
    }
}

#[component]
fn ShareTable(
    title: &'static str,
    key: FacetKey,
    shares: Vec<Share>,
    service: String,
    rates: Vec<ErrorRate>,
) -> impl IntoView {
    let with_rates = key == FacetKey::Resource;
    let body = if shares.is_empty() {
        view! { <p class="muted">"None reported in this range."</p> }.into_any()
    } else {
        let rows = shares
            .into_iter()
            .map(|share| {
                let rate = rates.iter().find(|r| r.resource == share.value).cloned();
                let href = value_href(&service, key, &share.value);
                let width = format!("width: {:.1}%", (share.share * 100.0).clamp(0.0, 100.0));
                let rate_cell = with_rates.then(|| {
                    let (text, title) = match rate {
                        Some(ErrorRate {
                            hits,
                            errors,
                            rate: Some(rate),
                            ..
                        }) => (percent(rate), format!("{errors} errors in {hits} requests")),
                        Some(ErrorRate { errors, .. }) => {
                            ("–".to_owned(), format!("{errors} errors, no requests counted"))
                        }
                        None => ("–".to_owned(), "No requests counted".to_owned()),
                    };
                    view! {
                        <td class="numeric" title=title>
                            {text}
                        </td>
                    }
                });
                view! {
                    <tr>
                        <th scope="row">
                            <a href=href title=format!("Search for {}:{}", key.as_str(), share.value)>
                                {share.value.clone()}
                            </a>
                            <span class="share-bar" aria-hidden="true">
                                <span style=width></span>
                            </span>
                        </th>
                        <td class="numeric">{share.count}</td>
                        <td class="numeric">{percent(share.share)}</td>
                        {rate_cell}
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="share-table">
                <caption class="visually-hidden">{title}</caption>
                <thead>
                    <tr>
                        <th scope="col">{key.as_str()}</th>
                        <th scope="col" class="numeric">"Events"</th>
                        <th scope="col" class="numeric">"Share"</th>
                        {with_rates
                            .then(|| {
                                view! {
                                    <th scope="col" class="numeric" title="Errors / requests of this resource">
                                        "Error rate"
                                    </th>
                                }
                            })}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="breakdown" class:wide=with_rates>
            <h3>{title}</h3>
            {body}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_read_as_percentages() {
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.004), "<1%");
        assert_eq!(percent(0.5), "50%");
        assert_eq!(percent(1.0), "100%");
    }

    #[test]
    fn values_lead_to_the_explorer() {
        assert_eq!(
            value_href("checkout", FacetKey::Resource, "GET /fail/<id>"),
            "/?search=service:checkout%20resource:%22GET%20%2Ffail%2F%3Cid%3E%22"
        );
    }
}
