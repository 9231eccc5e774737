use super::search::MAX_QUERY_CHARS;
use super::*;

use FacetKey::{Env, Host, Message, Service, Status as StatusKey, Type, Version};

fn facet(key: FacetKey, value: &str) -> Term {
    Term::Facet {
        key,
        value: Pattern::new(value),
        negated: false,
    }
}

fn not_facet(key: FacetKey, value: &str) -> Term {
    Term::Facet {
        key,
        value: Pattern::new(value),
        negated: true,
    }
}

fn text(text: &str) -> Term {
    Term::Text {
        text: text.to_owned(),
        negated: false,
    }
}

fn not_text(text: &str) -> Term {
    Term::Text {
        text: text.to_owned(),
        negated: true,
    }
}

fn parse_cases() -> Vec<(&'static str, Vec<Term>)> {
    vec![
        ("", vec![]),
        (" \t\n  ", vec![]),
        (
            r#"service:checkout env:prod version:1.4.* type:ValueError status:for_review -host:web-3 "card declined" timeout"#,
            vec![
                facet(Service, "checkout"),
                facet(Env, "prod"),
                facet(Version, "1.4.*"),
                facet(Type, "ValueError"),
                facet(StatusKey, "for_review"),
                not_facet(Host, "web-3"),
                text("card declined"),
                text("timeout"),
            ],
        ),
        (r#"type:"Foo Bar""#, vec![facet(Type, "Foo Bar")]),
        (r#"type:"say \"hi\"""#, vec![facet(Type, r#"say "hi""#)]),
        (
            r#""a\\b" "C:\temp\x""#,
            vec![text(r"a\b"), text(r"C:\temp\x")],
        ),
        (
            "error.type:KeyError error_type:E SERVICE:api",
            vec![
                facet(Type, "KeyError"),
                facet(Type, "E"),
                facet(Service, "api"),
            ],
        ),
        (
            "service:check* message:*timeout* version:*",
            vec![
                facet(Service, "check*"),
                facet(Message, "*timeout*"),
                facet(Version, "*"),
            ],
        ),
        (
            r#"-host:web-3 -"card declined" -timeout -type:"Foo Bar""#,
            vec![
                not_facet(Host, "web-3"),
                not_text("card declined"),
                not_text("timeout"),
                not_facet(Type, "Foo Bar"),
            ],
        ),
        ("--x", vec![not_text("-x")]),
        (
            "service:a service:b",
            vec![facet(Service, "a"), facet(Service, "b")],
        ),
        (
            "service:café \"日本語 テキスト\" -env:прод 🦀",
            vec![
                facet(Service, "café"),
                text("日本語 テキスト"),
                not_facet(Env, "прод"),
                text("🦀"),
            ],
        ),
        (
            "\u{3000}service:x\u{3000}\ttimeout  ",
            vec![facet(Service, "x"), text("timeout")],
        ),
        (
            "version:1.4:beta service:-x resource:GET\\x",
            vec![
                facet(Version, "1.4:beta"),
                facet(Service, "-x"),
                facet(FacetKey::Resource, r"GET\x"),
            ],
        ),
        (
            "or and not \"OR\" foo-bar",
            vec![
                text("or"),
                text("and"),
                text("not"),
                text("OR"),
                text("foo-bar"),
            ],
        ),
        (
            "*url.Error 100%_done",
            vec![text("*url.Error"), text("100%_done")],
        ),
        (
            r#"status:"resolved" "a  b" " ""#,
            vec![facet(StatusKey, "resolved"), text("a  b"), text(" ")],
        ),
    ]
}

fn assert_tiles(input: &str, tokens: &[Token]) {
    let mut at = 0;
    for token in tokens {
        assert_eq!(token.start, at, "{input:?}: gap or overlap in {tokens:?}");
        assert!(token.start < token.end, "{input:?}: empty token {token:?}");
        assert!(input.is_char_boundary(token.end), "{input:?}: {token:?}");
        at = token.end;
    }
    assert_eq!(at, input.len(), "{input:?}: tokens stop early: {tokens:?}");
}

/// Everything that must hold for any input.
fn check_invariants(input: &str) {
    let parsed = parse_search(input);
    let tokens = highlight(input);
    assert_tiles(input, &tokens);
    let error_tokens = tokens.iter().filter(|t| t.kind == TokenKind::Error).count();
    assert_eq!(error_tokens, search_errors(input).len(), "{input:?}");
    match parsed {
        Ok(search) => {
            assert_eq!(error_tokens, 0, "{input:?}");
            let canonical = search.to_query_string();
            assert_eq!(
                parse_search(&canonical),
                Ok(search.clone()),
                "{input:?} → {canonical:?}"
            );
        }
        Err(error) => {
            assert!(
                error.start < error.end && error.end <= input.len(),
                "{input:?}: {error:?}"
            );
            assert!(input.is_char_boundary(error.start) && input.is_char_boundary(error.end));
            let marked = Token {
                kind: TokenKind::Error,
                start: error.start,
                end: error.end,
            };
            assert!(
                tokens.contains(&marked),
                "{input:?}: {error:?} not in {tokens:?}"
            );
        }
    }
}

#[test]
fn parses_the_table() {
    for (input, terms) in parse_cases() {
        assert_eq!(parse_search(input), Ok(Search { terms }), "{input:?}");
        check_invariants(input);
    }
}

#[test]
fn canonical_text_round_trips() {
    for (input, _) in parse_cases() {
        let search = parse_search(input).expect("valid");
        let canonical = search.to_query_string();
        assert_eq!(parse_search(&canonical), Ok(search.clone()), "{input:?}");
        assert_eq!(
            canonical.parse::<Search>().map(|s| s.to_string()),
            Ok(canonical.clone())
        );
    }
    let search = parse_search(r#"Error.Type:"a b"   -"x:y"  "-1" "OR" 'it\'s'"#).expect("valid");
    assert_eq!(
        search.to_query_string(),
        r#"type:"a b" -"x:y" "-1" "OR" 'it\'s'"#
    );
}

#[test]
fn reports_errors_with_spans() {
    let valid = "valid statuses: for_review, reviewed, ignored, resolved";
    let cases: Vec<(&str, String, usize, usize)> = vec![
        ("servce:x", "unknown key `servce` (did you mean `service`?)".into(), 0, 6),
        ("env:prod Servce:x", "unknown key `Servce` (did you mean `service`?)".into(), 9, 15),
        ("-servce:x", "unknown key `servce` (did you mean `service`?)".into(), 1, 7),
        ("é servce:x", "unknown key `servce` (did you mean `service`?)".into(), 3, 9),
        ("tpye:x", "unknown key `tpye` (did you mean `type`?)".into(), 0, 4),
        (
            "url:x",
            "unknown key `url`; keys are service, env, version, type, status, host, resource, message, \
             assignee, owner (quote text that contains `:`)"
                .into(),
            0,
            3,
        ),
        ("env:prod service:", "missing value after `service:`".into(), 9, 17),
        ("service: x", "missing value after `service:`".into(), 0, 8),
        (r#"service:"""#, "empty value for `service:`".into(), 8, 10),
        (r#""card declined"#, "unterminated quote: add a closing `\"`".into(), 0, 14),
        (r#"a type:"Foo \""#, "unterminated quote: add a closing `\"`".into(), 7, 14),
        ("status:open", format!("unknown status `open`; {valid}"), 7, 11),
        ("status:for-review", format!("unknown status `for-review` (did you mean `for_review`?); {valid}"), 7, 17),
        (r#"status:"Resolved""#, format!("unknown status `Resolved` (did you mean `resolved`?); {valid}"), 7, 17),
        ("status:resolv*", format!("unknown status `resolv*` (did you mean `resolved`?); {valid}"), 7, 14),
        ("a OR b", "OR is not supported; terms are combined with AND".into(), 2, 4),
        ("a AND b", "AND is not needed: terms are always combined with AND".into(), 2, 5),
        ("NOT host:x", "NOT is not supported; put `-` before a term to exclude it, e.g. `-host:web-3`".into(), 0, 3),
        ("-", "`-` must be followed by a term (quote it to search for a dash)".into(), 0, 1),
        ("a - b", "`-` must be followed by a term (quote it to search for a dash)".into(), 2, 3),
        (":x", "missing key before `:` (quote text that contains `:`)".into(), 0, 1),
        (r#""a"b c"#, "unexpected text after the closing quote; separate terms with a space".into(), 3, 4),
        (r#"type:"a"bc"#, "unexpected text after the closing quote; separate terms with a space".into(), 8, 10),
        (r#"foo"bar"#, "unexpected `\"` inside a word; quote the whole value or phrase".into(), 3, 4),
        (r#"service:a"b"#, "unexpected `\"` inside a word; quote the whole value or phrase".into(), 9, 10),
        (r#"x """#, "empty phrase".into(), 2, 4),
    ];
    for (input, message, start, end) in cases {
        let want = SearchError {
            message,
            start,
            end,
        };
        assert_eq!(parse_search(input), Err(want), "{input:?}");
        check_invariants(input);
    }
}

#[test]
fn the_first_error_wins_and_every_error_is_listed() {
    let input = "servce:x ok OR status:nope";
    assert_eq!(
        parse_search(input).map_err(|e| (e.start, e.end)),
        Err((0, 6))
    );
    let spans: Vec<_> = search_errors(input)
        .iter()
        .map(|e| (e.start, e.end))
        .collect();
    assert_eq!(spans, [(0, 6), (12, 14), (22, 26)]);
}

#[test]
fn caps_the_length() {
    let longest = "a".repeat(MAX_QUERY_CHARS);
    assert!(parse_search(&longest).is_ok());
    for (input, start) in [
        ("a".repeat(MAX_QUERY_CHARS + 1), MAX_QUERY_CHARS),
        ("é".repeat(MAX_QUERY_CHARS + 5), 2 * MAX_QUERY_CHARS),
        ("service:x ".repeat(100_000), MAX_QUERY_CHARS),
        (
            format!("\"{}", "日".repeat(1_000_000)),
            1 + 3 * (MAX_QUERY_CHARS - 1),
        ),
    ] {
        let error = parse_search(&input).expect_err("too long");
        assert_eq!(
            error.message,
            "the query is too long: at most 2000 characters"
        );
        assert_eq!((error.start, error.end), (start, input.len()));
        check_invariants(&input);
    }
}

#[test]
fn highlights_valid_and_invalid_input() {
    use TokenKind::*;
    let cases: Vec<(&str, Vec<(TokenKind, &str)>)> = vec![
        (
            r#"-host:web-3  type:"Foo \"B\"" timeout"#,
            vec![
                (Negation, "-"),
                (Key, "host:"),
                (Value, "web-3"),
                (Whitespace, "  "),
                (Key, "type:"),
                (Quote, "\""),
                (Value, r#"Foo \"B\""#),
                (Quote, "\""),
                (Whitespace, " "),
                (Text, "timeout"),
            ],
        ),
        (
            r#"servce:x -"a b" status:x "open"#,
            vec![
                (Error, "servce"),
                (Key, ":"),
                (Value, "x"),
                (Whitespace, " "),
                (Negation, "-"),
                (Quote, "\""),
                (Text, "a b"),
                (Quote, "\""),
                (Whitespace, " "),
                (Key, "status:"),
                (Error, "x"),
                (Whitespace, " "),
                (Error, "\"open"),
            ],
        ),
        (
            "service: OR",
            vec![(Error, "service:"), (Whitespace, " "), (Error, "OR")],
        ),
    ];
    for (input, want) in cases {
        let got: Vec<(TokenKind, &str)> = highlight(input)
            .into_iter()
            .map(|t| (t.kind, &input[t.start..t.end]))
            .collect();
        assert_eq!(got, want, "{input:?}");
    }
}

/// xorshift64*, enough to shake the lexer without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

const PIECES: [&str; 32] = [
    "a",
    "Zz",
    "OR",
    "AND",
    "NOT",
    "service",
    "status",
    "error.type",
    "servce",
    ":",
    "-",
    "\"",
    "\\",
    "*",
    "%",
    "_",
    " ",
    "  ",
    "\t",
    "\n",
    "\u{3000}",
    "é",
    "日本",
    "🦀",
    "\u{0}",
    "\u{200b}",
    "for_review",
    ".",
    "resolved",
    "\r\n",
    "x:y",
    "\u{feff}",
];

#[test]
fn random_input_never_panics_and_round_trips() {
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let mut valid = 0;
    for _ in 0..20_000 {
        let len = rng.below(24);
        let input: String = (0..len).map(|_| PIECES[rng.below(PIECES.len())]).collect();
        check_invariants(&input);
        valid += usize::from(parse_search(&input).is_ok());
    }
    assert!(
        (2_000..18_000).contains(&valid),
        "{valid} valid: the generator is lopsided"
    );
}

#[test]
fn any_text_or_value_round_trips_through_quoting() {
    let mut rng = Rng(42);
    let keys = [
        Service,
        Env,
        Version,
        Type,
        Host,
        FacetKey::Resource,
        Message,
    ];
    for _ in 0..5_000 {
        let len = 1 + rng.below(8);
        let raw: String = (0..len).map(|_| PIECES[rng.below(PIECES.len())]).collect();
        let negated = rng.below(2) == 1;
        let terms = vec![
            Term::Text {
                text: raw.clone(),
                negated,
            },
            Term::Facet {
                key: keys[rng.below(keys.len())],
                value: Pattern::new(raw.clone()),
                negated,
            },
        ];
        let search = Search { terms };
        let canonical = search.to_query_string();
        assert_eq!(
            parse_search(&canonical),
            Ok(search),
            "{raw:?} → {canonical:?}"
        );
    }
}

#[test]
fn translates_patterns_to_like() {
    for (value, escape, like) in [
        ("100%_done", '\\', r"100\%\_done"),
        ("1.4.*", '\\', "1.4.%"),
        (r"C:\x*", '\\', r"C:\\x%"),
        ("a!b%*", '!', "a!!b!%%"),
        ("*", '\\', "%"),
        ("日本*", '\\', "日本%"),
    ] {
        assert_eq!(Pattern::new(value).to_like(escape), like, "{value}");
    }
}

#[test]
fn pattern_parts() {
    let exact = Pattern::new("checkout");
    assert_eq!(
        (exact.has_wildcard(), exact.literal()),
        (false, Some("checkout"))
    );
    let version = Pattern::new("1.*.*");
    assert_eq!((version.has_wildcard(), version.literal()), (true, None));
    assert_eq!(version.segments().collect::<Vec<_>>(), ["1.", ".", ""]);
    assert_eq!(Pattern::new("for_review").status(), Some(Status::ForReview));
    assert_eq!(Pattern::new("open").status(), None);
}

#[test]
fn matches_with_wildcards() {
    for (pattern, candidate, matches) in [
        ("1.4.*", "1.4.2", true),
        ("1.4.*", "1.4.", true),
        ("1.4.*", "1.4", false),
        ("1.4.*", "1.40", false),
        ("check*", "checkout", true),
        ("check*", "Checkout", false),
        ("*out", "checkout", true),
        ("*out", "outer", false),
        ("*", "", true),
        ("", "", true),
        ("", "x", false),
        ("web-3", "web-3", true),
        ("web-3", "web-33", false),
        ("a*b*c", "abc", true),
        ("a*b*c", "aXbYbZc", true),
        ("a*b*c", "acb", false),
        ("ab*ba", "aba", false),
        ("ab*ba", "abba", true),
        ("a**a", "a", false),
        ("a**a", "aa", true),
        ("*url.Error", "*url.Error", true),
        ("日*🦀", "日本🦀", true),
    ] {
        assert_eq!(
            Pattern::new(pattern).matches(candidate),
            matches,
            "{pattern} ~ {candidate}"
        );
    }
    assert!(Pattern::new("*TIMEOUT*").matches_ignore_case("read timeout after 3s"));
    assert!(Pattern::new("ÄRGER").matches_ignore_case("ärger"));
    assert!(!Pattern::new("*TIMEOUT*").matches("read timeout after 3s"));
    assert!(Message.ignores_case() && !Service.ignores_case());
}

#[test]
fn keys_parse_with_aliases_and_any_case() {
    for key in FacetKey::ALL {
        assert_eq!(FacetKey::parse(key.as_str()), Some(key));
        assert_eq!(FacetKey::parse(&key.as_str().to_uppercase()), Some(key));
    }
    assert_eq!(FacetKey::parse("Error.Type"), Some(Type));
    assert_eq!(FacetKey::parse("error_type"), Some(Type));
    assert_eq!(FacetKey::parse("errortype"), None);
}

#[test]
fn serializes_the_ast() {
    let search = parse_search(r#"-service:check* "card declined""#).expect("valid");
    let json = serde_json::to_string(&search).expect("json");
    assert_eq!(
        json,
        r#"{"terms":[{"kind":"facet","key":"service","value":"check*","negated":true},{"kind":"text","text":"card declined","negated":false}]}"#
    );
    assert_eq!(serde_json::from_str::<Search>(&json).ok(), Some(search));
    let tokens = serde_json::to_string(&highlight("-x")).expect("json");
    assert_eq!(
        tokens,
        r#"[{"kind":"negation","start":0,"end":1},{"kind":"text","start":1,"end":2}]"#
    );
}

#[test]
fn issue_query_carries_the_search_text() {
    let query: IssueQuery = serde_json::from_str(r#"{"service":"api"}"#).expect("json");
    assert_eq!(query.search, None);
    assert_eq!(query.parsed_search(), Ok(Search::default()));
    let query: IssueQuery =
        serde_json::from_str(r#"{"search":"env:prod -timeout"}"#).expect("json");
    let search = query.parsed_search().expect("valid");
    assert_eq!(search.terms, [facet(Env, "prod"), not_text("timeout")]);
    let query = IssueQuery {
        search: Some("servce:x".into()),
        ..IssueQuery::default()
    };
    assert_eq!(query.parsed_search().map_err(|e| e.start), Err(0));
}

#[test]
fn assignee_terms_name_me_nobody_or_an_email() {
    let search =
        parse_search(r#"assignee:me -ASSIGNEE:None assignee:"Ana@Example.com" x"#).expect("valid");
    let values: Vec<Option<AssigneeValue<'_>>> = search
        .terms
        .iter()
        .map(|term| match term {
            Term::Facet {
                key: FacetKey::Assignee,
                value,
                ..
            } => Some(AssigneeValue::of(value)),
            _ => None,
        })
        .collect();
    let email = Pattern::new("Ana@Example.com");
    assert_eq!(
        values,
        [
            Some(AssigneeValue::Me),
            Some(AssigneeValue::Nobody),
            Some(AssigneeValue::Email(&email)),
            None
        ]
    );
    assert!(FacetKey::Assignee.ignores_case());
}

#[test]
fn term_spans_follow_the_terms() {
    let input = r#"  assignee:me "two words"  -x"#;
    let spans = term_spans(input);
    let texts: Vec<&str> = spans.iter().map(|&(s, e)| &input[s..e]).collect();
    assert_eq!(texts, ["assignee:me", r#""two words""#, "-x"]);
    assert_eq!(spans.len(), parse_search(input).expect("valid").terms.len());
}
