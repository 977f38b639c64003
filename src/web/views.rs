//! Views: maud templates. One layout; partials are functions; small
//! components implement `Render`. Everything is escaped by maud; nothing from
//! a listing is ever emitted raw, and listing URLs become links only when http(s).

use maud::{DOCTYPE, Markup, Render, html};

use crate::directory::{HoursView, SearchPage, SearchResult, WayOut};
use crate::directory::{MatchKind, Scope};
use crate::hours::OpenState;
use crate::model::{Category, LANGUAGES, Lang, Location, Phone, Population, Service};
use crate::referral::FieldError;
use crate::search::{
    DEFAULT_RADIUS_MILES, InputError, MAX_AGE, OpenFilter, SearchParams, ValidSearch, parse_flag,
};

/// The site stylesheet, served at `/static/hearth.css`.
pub const STYLESHEET: &str = include_str!("hearth.css");

const RADII: [u32; 6] = [1, 5, 10, 25, 50, 100];

/// How many languages of [`LANGUAGES`] (the most asked for come first) the
/// language menu offers; one chosen from further down is added to it.
const MENU_LANGUAGES: usize = 15;

/// The parameters the search form has a control for; an error in any other is
/// shown under the whole form.
const FORM_FIELDS: [&str; 10] = [
    "near",
    "radius",
    "category",
    "open_now",
    "free",
    "accessible",
    "age",
    "population",
    "language",
    "scope",
];

/// The choices of the "Show" menu: scope value and what it says.
const SCOPES: [(Scope, &str); 3] = [
    (Scope::All, "Nearby and serving"),
    (Scope::Nearby, "Nearby only"),
    (Scope::Serving, "Serving this area"),
];

/// Who is looking at a page, for its header and its actions.
#[derive(Debug, Clone, Default)]
pub struct Who {
    pub email: String,
    /// Whether they record referrals (clinicians and admins).
    pub refers: bool,
    pub admin: bool,
    /// Whether they may claim an organization's listings (organization accounts and admins).
    pub claims: bool,
    /// Whether they verify listings and moderate (moderators and admins).
    pub moderates: bool,
    /// Whether they read gap reports (advocates and admins).
    pub reports: bool,
    /// Their open referrals whose follow-up is due.
    pub follow_ups_due: usize,
    /// The session's CSRF token, for the sign-out form.
    pub csrf: String,
}

/// The page frame: header, main, footer with data credits.
pub fn layout(title: &str, body: Markup) -> Markup {
    layout_with(title, body, None)
}

/// The page frame, with who is signed in (or a sign-in link) in the header.
pub fn layout_with(title: &str, body: Markup, who: Option<&Who>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Hearth" }
                link rel="stylesheet" href="/static/hearth.css";
            }
            body {
                header.site {
                    a.brand href="/" { "Hearth" }
                    span.tagline { "Find services near your client" }
                    nav.account aria-label="Account" {
                        @match who {
                            Some(who) => {
                                @if who.refers {
                                    a href="/referrals" {
                                        "My referrals"
                                        @if who.follow_ups_due > 0 { " (" (who.follow_ups_due) " follow-up" @if who.follow_ups_due > 1 { "s" } " due)" }
                                    }
                                    " "
                                    a href="/lists" { "My lists" } " "
                                }
                                @if who.reports { a href="/reports/gaps" { "Gap report" } " " }
                                @if who.admin { a href="/admin/audit" { "Audit log" } " " a href="/admin/sync" { "Sync" } " " }
                                span.signed-in { (who.email) }
                                form.signout method="post" action="/logout" {
                                    input type="hidden" name="csrf" value=(who.csrf);
                                    button.link type="submit" { "Sign out" }
                                }
                            }
                            None => { a href="/login" { "Sign in" } }
                        }
                    }
                }
                main { (body) }
                footer.site {
                    p {
                        "Listings come from open data: HRSA, SAMHSA, HUD, VA, IMLS and USDA (US public domain); "
                        "211 Miami / Open Referral (2019 snapshot); food bank locators via Pantry Pirate Radio (CC0); "
                        "Food Oasis LA (MIT). Place names from GeoNames (CC BY 4.0); Open Eligibility taxonomy (CC BY-SA 4.0). "
                        "Listings can be out of date: call before sending a client. "
                        a href="/about" { "About the data" }
                    }
                }
            }
        }
    }
}

/// A distance in miles, shown as people read it. From an approximate point it
/// reads "about …", never as a precise figure.
pub struct Distance {
    pub miles: f64,
    pub approximate: bool,
}

impl Render for Distance {
    fn render(&self) -> Markup {
        let miles = self.miles;
        let text = match (self.approximate, miles) {
            (true, m) if m < 1.0 => "within about 1 mi".to_owned(),
            (true, m) => format!("about {m:.0} mi"),
            (false, m) if m < 0.1 => "under 0.1 mi".to_owned(),
            (false, m) if m < 10.0 => format!("{m:.1} mi"),
            (false, m) => format!("{m:.0} mi"),
        };
        html! { span.distance { (text) } }
    }
}

/// A phone number as a `tel:` link (plain text when it cannot be dialled).
pub struct PhoneLink<'a>(pub &'a Phone);

impl Render for PhoneLink<'_> {
    fn render(&self) -> Markup {
        let p = self.0;
        let ext = p
            .extension
            .as_deref()
            .map(|e| format!(" ext. {e}"))
            .unwrap_or_default();
        html! {
            @match p.tel_uri() {
                Some(uri) => a.phone href=(uri) { (p.number) (ext) },
                None => span.phone { (p.number) (ext) },
            }
        }
    }
}

fn approximate_note(location: &Location) -> Markup {
    html! {
        @if location.approximate {
            span.approx title="The source gave no exact point for this place: it is shown at the centre of its ZIP code (or the rough area the source gave). Distances are approximate." {
                "Approximate location"
            }
        }
    }
}

/// A search result card.
pub struct Card<'a> {
    pub result: &'a SearchResult,
    /// True when the card sits under a sub-heading: its title is then an `h4`.
    pub nested: bool,
    /// Show "Refer" (the viewer records referrals).
    pub refer: bool,
    /// The session's CSRF token, for "Save to my list" (empty when signed out).
    pub csrf: &'a str,
    /// Where "Save to my list" comes back to.
    pub back: &'a str,
}

/// How a result that is not nearby reaches the place: "Serves this area" (with
/// its nearest location when it has one) or "Online or by phone"; for a nearby
/// result, its distance.
fn reach(r: &SearchResult) -> Markup {
    let distance = |miles: f64| Distance {
        miles,
        approximate: r.location.as_ref().is_some_and(|l| l.approximate),
    };
    html! {
        @match r.match_kind {
            Some(MatchKind::Serves) => span.reach {
                "Serves this area"
                @if let Some(d) = r.distance_miles { " · nearest location " (distance(d)) }
            },
            Some(MatchKind::Virtual) => span.reach { "Online or by phone" },
            Some(MatchKind::At) | None => @if let Some(d) = r.distance_miles { (distance(d)) },
        }
    }
}

impl Render for Card<'_> {
    fn render(&self) -> Markup {
        let (r, nested) = (self.result, self.nested);
        let s = &r.service;
        let href = format!("/services/{}", s.id);
        html! {
            article.card {
                @if nested { h4 { a href=(href) { (s.name) } } } @else { h3 { a href=(href) { (s.name) } } }
                @if s.organization.name != s.name {
                    p.org { (s.organization.name) }
                }
                p.meta {
                    @for c in &s.categories { span.badge { (c.label()) } }
                    (OpenBadge(&r.open))
                    (reach(r))
                }
                @if let Some(location) = &r.location {
                    @if let Some(address) = &location.address { p.address { (address.one_line()) } }
                    (approximate_note(location))
                }
                @if r.more_locations > 0 {
                    p.more-locations {
                        a href=(href) {
                            (r.more_locations) " more " (if r.more_locations == 1 { "location" } else { "locations" })
                        }
                    }
                }
                p.actions {
                    @if let Some(phone) = s.primary_phone() { (PhoneLink(phone)) }
                    @if let Some(url) = s.safe_url() { a.web href=(url) rel="noopener noreferrer" { "Website" } }
                    @if self.refer {
                        (refer_and_save(&s.id, r.location.as_ref().map(|l| l.id.as_str()), self.csrf, self.back, false))
                    }
                    label.handout-pick {
                        input type="checkbox" form="handout" name="s"
                            value={ (s.id) @if let Some(l) = &r.location { ":" (l.id) } };
                        " Add to handout"
                    }
                }
            }
        }
    }
}

/// What a menu of a list parameter shows as chosen: one of its own options
/// (by value), or an option of its own to add and select, for several values
/// at once or for text the search could not read (kept so the person sees
/// what they gave, beside the error).
struct MenuChoice {
    value: Option<&'static str>,
    extra: Option<(String, String)>,
}

impl MenuChoice {
    fn of<T: Copy>(
        text: Option<&str>,
        parsed: Result<Vec<T>, InputError>,
        value: impl Fn(T) -> &'static str,
        label: impl Fn(T) -> &'static str,
    ) -> MenuChoice {
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        match (text, parsed) {
            (None, _) => MenuChoice {
                value: None,
                extra: None,
            },
            (Some(text), Err(_)) => MenuChoice {
                value: None,
                extra: Some((text.to_owned(), text.to_owned())),
            },
            (Some(_), Ok(values)) => match values.as_slice() {
                [] => MenuChoice {
                    value: None,
                    extra: None,
                },
                [one] => MenuChoice {
                    value: Some(value(*one)),
                    extra: None,
                },
                several => MenuChoice {
                    value: None,
                    extra: Some((
                        several
                            .iter()
                            .map(|v| value(*v))
                            .collect::<Vec<_>>()
                            .join(","),
                        several
                            .iter()
                            .map(|v| label(*v))
                            .collect::<Vec<_>>()
                            .join(" or "),
                    )),
                },
            },
        }
    }
}

/// Text made safe to put in one part of a URL's path or query.
pub(super) fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Where "Refer" goes for a listing (at one of its locations, when given).
pub(super) fn refer_href(service_id: &str, location_id: Option<&str>) -> String {
    match location_id {
        Some(l) => format!("/refer?service={}&location={}", enc(service_id), enc(l)),
        None => format!("/refer?service={}", enc(service_id)),
    }
}

/// A client handout of one listing (at one of its locations, when given), in `lang`.
pub(super) fn handout_href(service_id: &str, location_id: Option<&str>, lang: Lang) -> String {
    let mut href = format!("/handout?s={}", enc(service_id));
    if let Some(l) = location_id {
        href.push(':');
        href.push_str(&enc(l));
    }
    if lang == Lang::Es {
        href.push_str("&lang=es");
    }
    href
}

/// A listing's "Refer" link and "Save to my list" form, for people who refer;
/// the form comes back to `back`, and with `note` it takes a private note.
fn refer_and_save(
    service_id: &str,
    location_id: Option<&str>,
    csrf: &str,
    back: &str,
    note: bool,
) -> Markup {
    html! {
        a.refer href=(refer_href(service_id, location_id)) { "Refer" }
        form.save method="post" action="/lists/mine/items" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="service_id" value=(service_id);
            @if let Some(l) = location_id { input type="hidden" name="location_id" value=(l); }
            input type="hidden" name="next" value=(back);
            @if note {
                label.sr-only for="save-note" { "Private note" }
                input #save-note name="note" maxlength="200" placeholder="Private note (optional)";
            }
            button.link type="submit" { "Save to my list" }
        }
    }
}

/// One problem with a form's field, shown beside it; `id` is what the field's
/// `aria-describedby` names, when it names one.
pub(super) fn field_problem(id: Option<&str>, message: &str) -> Markup {
    html! { p.field-error id=[id] role="alert" { "⚠ " (message) } }
}

/// Each of `errors` about `field`, with the id `err-FIELD`.
pub(super) fn field_errors(errors: &[FieldError], field: &str) -> Markup {
    let id = format!("err-{field}");
    html! {
        @for e in errors.iter().filter(|e| e.field == field) { (field_problem(Some(&id), &e.message)) }
    }
}

/// The message under a field whose value could not be used, if it was this one.
fn field_error(error: Option<&InputError>, name: &str) -> Markup {
    html! {
        @if let Some(e) = error.filter(|e| e.param == name) {
            p.field-error id={ (name) "-error" } role="alert" { (e.message) }
        }
    }
}

fn search_form(params: &SearchParams, error: Option<&InputError>) -> Markup {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let radius = params
        .radius
        .as_deref()
        .and_then(|r| r.trim().parse::<f64>().ok())
        .unwrap_or(DEFAULT_RADIUS_MILES);
    let radius_options: Vec<f64> = {
        let mut options: Vec<f64> = RADII.iter().map(|r| f64::from(*r)).collect();
        if radius > 0.0
            && radius <= 100.0
            && !options.iter().any(|o| (o - radius).abs() < f64::EPSILON)
        {
            options.push(radius);
            options.sort_by(f64::total_cmp);
        }
        options
    };
    let chosen: Vec<Category> = crate::search::parse_categories(params.category.as_deref())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| match c {
            crate::search::CategoryChoice::Category(c) => Some(c),
            crate::search::CategoryChoice::Code(_) => None,
        })
        .collect();
    let several = (chosen.len() > 1).then(|| {
        let slugs: Vec<&str> = chosen.iter().map(|c| c.slug()).collect();
        let labels: Vec<&str> = chosen.iter().map(|c| c.label()).collect();
        (slugs.join(","), labels.join(" or "))
    });
    let population = MenuChoice::of(
        params.population.as_deref(),
        crate::search::parse_populations(params.population.as_deref()),
        Population::slug,
        Population::label,
    );
    let language = MenuChoice::of(
        params.language.as_deref(),
        crate::search::parse_languages(params.language.as_deref()),
        |code| code,
        |code| crate::model::language_name(code).unwrap_or(code),
    );
    let languages: Vec<(&str, &str)> = {
        let mut menu: Vec<(&str, &str)> = LANGUAGES.iter().take(MENU_LANGUAGES).copied().collect();
        if let Some(code) = language.value.filter(|c| !menu.iter().any(|(m, _)| m == c)) {
            menu.push((code, crate::model::language_name(code).unwrap_or(code)));
        }
        menu
    };
    let scope_text = params
        .scope
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let scope = scope_text.map(|text| Scope::parse(text).ok_or(text));
    let age = value(&params.age);
    // A number field cannot show text that is not a number; such a value is
    // shown as typed, beside the error that says why it was refused.
    let age_is_number = age.trim().is_empty() || age.trim().parse::<i64>().is_ok();
    let invalid = |name: &str| error.is_some_and(|e| e.param == name).then_some("true");
    let described = |name: &str| {
        error
            .is_some_and(|e| e.param == name)
            .then(|| format!("{name}-error"))
    };
    // The second row of filters folds away (phones), unless one is set or wrong.
    let more_open = [
        &params.population,
        &params.age,
        &params.language,
        &params.scope,
    ]
    .iter()
    .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()))
        || error.is_some_and(|e| matches!(e.param, "population" | "age" | "language" | "scope"));
    html! {
        form.search method="get" action="/" role="search" {
            div.field.wide {
                label for="q" { "What does your client need?" }
                input #q type="search" name="q" value=(value(&params.q)) placeholder="food, mental health, legal aid…" maxlength="500";
            }
            div.field.wide {
                label for="near" { "Where" }
                input #near type="text" name="near" value=(value(&params.near)) placeholder="ZIP code, or City, ST" autocomplete="postal-code"
                    aria-invalid=[invalid("near")] aria-describedby=[described("near")];
                (field_error(error, "near"))
            }
            div.field.small {
                label for="radius" { "Within" }
                select #radius name="radius" aria-invalid=[invalid("radius")] aria-describedby=[described("radius")] {
                    @for r in &radius_options {
                        option value=(r) selected[(r - radius).abs() < f64::EPSILON] { (r) " mi" }
                    }
                }
                (field_error(error, "radius"))
            }
            div.field.small {
                label for="category" { "Category" }
                select #category name="category" aria-invalid=[invalid("category")] aria-describedby=[described("category")] {
                    option value="" { "Any" }
                    @if let Some((value, label)) = &several {
                        option value=(value) selected { (label) }
                    }
                    @for c in Category::ALL {
                        option value=(c.slug()) selected[several.is_none() && chosen.first() == Some(&c)] { (c.label()) }
                    }
                }
                (field_error(error, "category"))
            }
            div.filters role="group" aria-label="Filters" {
                details.more open[more_open] {
                summary { "More filters: who it is for, age, language, where it serves" }
                div.more-fields {
                div.field.population {
                    label for="population" { "For" }
                    select #population name="population" aria-invalid=[invalid("population")] aria-describedby=[described("population")] {
                        option value="" { "Anyone" }
                        @if let Some((value, label)) = &population.extra {
                            option value=(value) selected { (label) }
                        }
                        @for p in Population::ALL {
                            option value=(p.slug()) selected[population.value == Some(p.slug())] { (p.label()) }
                        }
                    }
                    (field_error(error, "population"))
                }
                div.field.age {
                    label for="age" { "Client’s age" }
                    @if age_is_number {
                        input #age type="number" name="age" value=(age) min="0" max=(MAX_AGE) step="1" inputmode="numeric"
                            aria-invalid=[invalid("age")] aria-describedby=[described("age")];
                    } @else {
                        input #age type="text" name="age" value=(age) inputmode="numeric"
                            aria-invalid=[invalid("age")] aria-describedby=[described("age")];
                    }
                    (field_error(error, "age"))
                }
                div.field.language {
                    label for="language" { "Language" }
                    select #language name="language" aria-invalid=[invalid("language")] aria-describedby=[described("language")] {
                        option value="" { "Any" }
                        @if let Some((value, label)) = &language.extra {
                            option value=(value) selected { (label) }
                        }
                        @for (code, name) in &languages {
                            option value=(code) selected[language.value == Some(*code)] { (name) }
                        }
                    }
                    (field_error(error, "language"))
                }
                div.field.scope {
                    label for="scope" { "Show" }
                    select #scope name="scope" aria-invalid=[invalid("scope")] aria-describedby=[described("scope")] {
                        @if let Some(Err(text)) = scope {
                            option value=(text) selected { (text) }
                        }
                        @for (s, label) in SCOPES {
                            option value=(s.as_str()) selected[matches!(scope, Some(Ok(chosen)) if chosen == s)] { (label) }
                        }
                    }
                    (field_error(error, "scope"))
                }
                }
                }
                div.checks {
                    div.field.check {
                        label for="open_now" {
                            input #open_now type="checkbox" name="open_now" value="true" checked[parse_flag("open_now", &params.open_now).unwrap_or(false)]
                                aria-invalid=[invalid("open_now")] aria-describedby=[described("open_now")];
                            " Open now"
                        }
                        (field_error(error, "open_now"))
                    }
                    div.field.check {
                        label for="free" {
                            input #free type="checkbox" name="free" value="true" checked[parse_flag("free", &params.free).unwrap_or(false)]
                                aria-invalid=[invalid("free")] aria-describedby=[described("free")];
                            " Free"
                        }
                        (field_error(error, "free"))
                    }
                    div.field.check {
                        label for="accessible" {
                            input #accessible type="checkbox" name="accessible" value="true" checked[parse_flag("accessible", &params.accessible).unwrap_or(false)]
                                aria-invalid=[invalid("accessible")] aria-describedby=[described("accessible")];
                            " Wheelchair accessible"
                        }
                        (field_error(error, "accessible"))
                    }
                }
                button type="submit" { "Search" }
            }
            @if let Some(need) = params.need.as_deref().filter(|v| !v.is_empty()) {
                input type="hidden" name="need" value=(need);
            }
            @if let Some(at) = params.open_at.as_deref().filter(|v| !v.is_empty()) {
                input type="hidden" name="open_at" value=(at);
            }
            @if let Some(e) = error.filter(|e| !FORM_FIELDS.contains(&e.param)) {
                p.field-error role="alert" { (e.message) }
            }
        }
    }
}

/// Counts of the results by category, language, need and who they are for, and
/// how many are open now: each a link that narrows to it. The counts are the
/// index's, over all the results (not only this page).
fn facet_links(params: &SearchParams, page: &SearchPage, open_filter_on: bool) -> Markup {
    let narrowed = |key: &str, value: &str| {
        let mut changed = params.clone();
        match key {
            "category" => changed.category = Some(value.to_owned()),
            "language" => changed.language = Some(value.to_owned()),
            "population" => changed.population = Some(value.to_owned()),
            "open_now" => {
                changed.open_now = Some(value.to_owned());
                changed.open_at = None;
            }
            _ => changed.need = Some(value.to_owned()),
        }
        page_link(&changed, 1)
    };
    let facets = &page.facets;
    html! {
        nav.facets aria-label="Narrow the results" {
            @if let (Some(n), false) = (facets.open_now, open_filter_on) {
                p {
                    span.facet-label { "Hours: " }
                    @if n > 0 {
                        a href=(narrowed("open_now", "true")) { "Open now (" (n) ")" }
                    } @else {
                        span { "Open now (0)" }
                    }
                }
            }
            @if !facets.categories.is_empty() {
                p {
                    span.facet-label { "By category: " }
                    @for (category, n) in &facets.categories {
                        a href=(narrowed("category", category.slug())) { (category.label()) " (" (n) ")" } " "
                    }
                }
            }
            @if !facets.populations.is_empty() {
                p {
                    span.facet-label { "For: " }
                    @for (population, n) in &facets.populations {
                        a href=(narrowed("population", population.slug())) { (population.label()) " (" (n) ")" } " "
                    }
                }
            }
            @if !facets.languages.is_empty() {
                p {
                    span.facet-label { "By language: " }
                    @for (code, n) in &facets.languages {
                        a href=(narrowed("language", code)) { (crate::model::language_name(code).unwrap_or(code)) " (" (n) ")" } " "
                    }
                }
            }
            @if !facets.needs.is_empty() {
                p {
                    span.facet-label { "By need: " }
                    @for (need, n) in &facets.needs {
                        a href=(narrowed("need", need.code())) { (need_label(need.code())) " (" (n) ")" } " "
                    }
                }
            }
        }
    }
}

/// "food-insecurity" → "Food insecurity".
pub fn need_label(code: &str) -> String {
    let words = code.replace('-', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// The link and words for one way out of an empty result.
fn way_out_link(params: &SearchParams, way: &WayOut) -> (String, String) {
    let plural = |n: usize| {
        if n == 1 {
            "1 result".to_owned()
        } else {
            format!("{n} results")
        }
    };
    let mut changed = params.clone();
    let label = match *way {
        WayOut::Radius(miles, n) => {
            changed.radius = Some(miles.to_string());
            format!("Search within {miles} miles: {}", plural(n))
        }
        WayOut::AnyHours(n) => {
            changed.open_now = None;
            changed.open_at = None;
            format!(
                "Leave out “Open now” (many listings do not publish their hours): {}",
                plural(n)
            )
        }
        WayOut::Serving(n) => {
            changed.scope = None;
            format!("Include services that serve this area: {}", plural(n))
        }
        WayOut::Drop(param, n) => {
            let what = match param {
                "category" => {
                    changed.category = None;
                    "Any category"
                }
                "need" => {
                    changed.need = None;
                    "Any need"
                }
                "language" => {
                    changed.language = None;
                    "Any language"
                }
                "free" => {
                    changed.free = None;
                    "Include services that may charge"
                }
                "accessible" => {
                    changed.accessible = None;
                    "Include places without recorded wheelchair access"
                }
                "population" => {
                    changed.population = None;
                    "Services for anyone"
                }
                "age" => {
                    changed.age = None;
                    "Any age"
                }
                _ => "Without that filter",
            };
            format!("{what}: {}", plural(n))
        }
    };
    (page_link(&changed, 1), label)
}

fn page_link(params: &SearchParams, page: usize) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    // The search as asked, without its paging (set below) or the word rule.
    let asked = params
        .named()
        .into_iter()
        .filter(|(key, _)| !matches!(*key, "words" | "page" | "limit" | "offset"));
    for (key, value) in asked {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            query.append_pair(key, v);
        }
    }
    query.append_pair("page", &page.to_string());
    format!("/?{}", query.finish())
}

/// A radius as words: "1 mile", "2.5 miles".
fn miles(radius: f64) -> String {
    if radius == 1.0 {
        "1 mile".to_owned()
    } else {
        format!("{radius} miles")
    }
}

/// True for a result that matches the place by serving it, not by being near it.
fn serves_the_area(r: &SearchResult) -> bool {
    matches!(r.match_kind, Some(MatchKind::Serves | MatchKind::Virtual))
}

fn results(
    params: &SearchParams,
    valid: &ValidSearch,
    page: &SearchPage,
    refer: bool,
    csrf: &str,
) -> Markup {
    let back = page_link(params, valid.page());
    let text = valid.request.text.trim();
    let shown_text: String = text.chars().take(80).collect();
    let pages = page.total.div_ceil(valid.request.limit.max(1));
    let current = valid.page();
    // The index puts nearby results before those serving the area, so a page
    // holds the rest of the first group, then the start of the second.
    let (nearby, serving): (Vec<&SearchResult>, Vec<&SearchResult>) =
        page.results.iter().partition(|r| !serves_the_area(r));
    let facets = &page.facets;
    let has_facets = !facets.categories.is_empty()
        || !facets.needs.is_empty()
        || !facets.languages.is_empty()
        || !facets.populations.is_empty()
        || facets.open_now.is_some();
    let place = valid.place.as_ref().map(|p| p.label.as_str());
    let in_english = {
        let mut changed = params.clone();
        changed.lang = Some("en".to_owned());
        page_link(&changed, 1)
    };
    html! {
        section.results aria-live="polite" {
            h2 {
                (page.total) " " (if page.total == 1 { "result" } else { "results" })
                @if !shown_text.is_empty() { " for “" (shown_text) "”" }
                @if let Some(place) = place { " within " (miles(valid.radius_miles)) " of " (place) }
                @match (&valid.open, params.open_at.as_deref()) {
                    (Some(OpenFilter::Now), _) => { ", open now" }
                    (Some(OpenFilter::At(_)), Some(at)) => { ", open at " (at.replace('T', " ")) }
                    _ => {}
                }
            }
            @if place.is_some() && valid.request.scope == Scope::All && page.total > page.nearby {
                p.summary {
                    (page.nearby) " within " (miles(valid.radius_miles)) "; "
                    (page.total - page.nearby) " more serve this area or work online or by phone."
                }
            }
            @if page.spanish {
                p.note {
                    "Read as Spanish: your words were matched as Spanish words. "
                    a href=(in_english) { "Read them as English instead" }
                }
            }
            @if let Some((matched, of)) = page.matched_concepts.filter(|(m, n)| page.total > 0 && m < n) {
                p.note {
                    "No listing matched all " (of) " of your words; showing those that match " (matched) "."
                }
            }
            @if page.total == 0 && !text.is_empty() && page.terms.is_empty() {
                div.empty {
                    p { "“" (shown_text) "” has no words Hearth can search for: very common words (“the”, “and”) and symbols are left out. Describe the service, for example “food pantry”, “shelter” or “legal aid”." }
                }
            } @else if page.total == 0 {
                div.empty {
                    @if !page.ways_out.is_empty() {
                        p { "Nothing matched. One change finds something:" }
                        ul.ways-out {
                            @for way in &page.ways_out {
                                @let (href, label) = way_out_link(params, way);
                                li { a href=(href) { (label) } }
                            }
                        }
                    } @else {
                        p { "Nothing matched, even within 100 miles or with fewer filters. Try:" }
                        ul {
                            @if !text.is_empty() { li { "fewer or plainer words (“food”, “housing”, “legal”)" } }
                            @if valid.place.is_none() { li { "adding a ZIP code or “City, ST” to search near your client" } }
                            li { "calling 211, the community services helpline, from any phone" }
                        }
                    }
                }
            }
            @if page.total > 0 && has_facets {
                (facet_links(params, page, valid.open.is_some()))
            }
            @if page.total > 0 {
                form.handout #handout method="get" action="/handout" target="_blank" {
                    span { "Handout of the checked results (up to 5): " }
                    label for="handout-lang" { "Language" }
                    select #handout-lang name="lang" {
                        option value="en" { "English" }
                        option value="es" selected[page.spanish] { "Español" }
                    }
                    button type="submit" { "Make a handout" }
                }
            }
            @for r in &nearby { (Card { result: r, nested: false, refer, csrf, back: &back }) }
            @if !serving.is_empty() {
                section.serving aria-labelledby="serving-heading" {
                    h3 #serving-heading {
                        @if page.nearby == 0 { "Serving this area" } @else { "Also serving this area" }
                    }
                    @if let Some(place) = place {
                        p.group-note {
                            "No location within " (miles(valid.radius_miles)) ", but they serve " (place) " or work online or by phone."
                        }
                    }
                    @for r in &serving { (Card { result: r, nested: true, refer, csrf, back: &back }) }
                }
            }
            @if pages > 1 {
                nav.pager aria-label="Result pages" {
                    @if current > 1 { a rel="prev" href=(page_link(params, current - 1)) { "← Previous" } }
                    span { "Page " (current) " of " (pages) }
                    @if current < pages { a rel="next" href=(page_link(params, current + 1)) { "Next →" } }
                }
            }
        }
    }
}

/// `GET /`: the search form, with results or an input error.
pub fn search_page(
    params: &SearchParams,
    outcome: Option<(&ValidSearch, &SearchPage)>,
    error: Option<&InputError>,
    who: Option<&Who>,
) -> Markup {
    let refer = who.is_some_and(|w| w.refers);
    layout_with(
        "Search",
        html! {
            h1 { "Find a service" }
            (search_form(params, error))
            @if let Some((valid, page)) = outcome { (results(params, valid, page, refer, who.map_or("", |w| w.csrf.as_str()))) }
        },
        who,
    )
}

/// A listing's hours at one place: readable weekly lines and whether it is open now.
fn hours_block(view: &HoursView) -> Markup {
    html! {
        div.hours {
            h4 { "Hours" }
            p { (OpenBadge(&view.state)) }
            @if !view.lines.is_empty() {
                ul { @for l in &view.lines { li { (l) } } }
            }
        }
    }
}

/// Whether a listing is open, as a badge whose text says it (colour is never the only signal).
pub struct OpenBadge<'a>(pub &'a OpenState);

impl Render for OpenBadge<'_> {
    fn render(&self) -> Markup {
        let class = match self.0 {
            OpenState::Open { .. } => "open-state open",
            OpenState::Closed { .. } => "open-state closed",
            OpenState::ByAppointment | OpenState::Unknown => "open-state unknown",
        };
        html! { span class=(class) { (self.0.to_string()) } }
    }
}

fn paragraphs(text: &str) -> Markup {
    html! { @for p in text.split("\n\n") { p { @for (i, line) in p.lines().enumerate() { @if i > 0 { br; } (line) } } } }
}

/// `GET /services/{id}`: one listing with everything we know.
pub fn service_page(s: &Service, hours: &[HoursView], who: Option<&Who>) -> Markup {
    let facts: Vec<(&str, &Option<String>)> = vec![
        ("Who it is for", &s.eligibility_description),
        ("How to apply", &s.application_process),
        ("Cost", &s.fees_description),
        ("Waiting time", &s.wait_time),
        ("Interpretation", &s.interpretation_services),
    ];
    html! {
        (layout_with(&s.name, html! {
            article.listing {
                h1 { (s.name) }
                @if s.organization.name != s.name { p.org { "Run by " (s.organization.name) } }
                p.meta { @for c in &s.categories { span.badge { (c.label()) } } }
                @if let Some(alert) = &s.alert { p.alert role="note" { (alert) } }
                @if let Some(d) = &s.description { div.description { (paragraphs(d)) } }
                p.actions {
                    @for phone in s.phones.iter().filter(|p| !p.is_fax()) { (PhoneLink(phone)) }
                    @if let Some(url) = s.safe_url() { a.web href=(url) rel="noopener noreferrer" { "Website" } }
                    @if let Some(email) = &s.email { a.web href={ "mailto:" (email) } { (email) } }
                    @if let Some(who) = who.filter(|w| w.refers) {
                        (refer_and_save(&s.id, s.locations.first().map(|l| l.id.as_str()), &who.csrf, &format!("/services/{}", s.id), true))
                    }
                    a.web href=(handout_href(&s.id, None, Lang::En)) { "Handout" }
                    a.web href=(handout_href(&s.id, None, Lang::Es)) { "Handout en español" }
                }
                dl.facts {
                    @for (label, value) in &facts {
                        @if let Some(v) = value { dt { (label) } dd { (paragraphs(v)) } }
                    }
                    @if !s.languages.is_empty() {
                        dt { "Languages" }
                        dd { (s.languages.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(", ")) }
                    }
                    @if s.minimum_age.is_some() || s.maximum_age.is_some() {
                        dt { "Ages" }
                        dd { (s.minimum_age.map(|a| a.to_string()).unwrap_or_else(|| "0".into())) "–" (s.maximum_age.map(|a| a.to_string()).unwrap_or_else(|| "any".into())) }
                    }
                    @for a in s.attributes.iter().filter(|a| a.tag != crate::directory::UPDATED_BY_ORGANIZATION) { dt { (a.tag) } dd { (a.value) } }
                }
                @if s.locations.is_empty() {
                    @if let Some(view) = hours.first() { (hours_block(view)) }
                }
                @for (location, view) in s.locations.iter().zip(hours) {
                    section.location {
                        h2 { (location.name.as_deref().unwrap_or("Location")) }
                        @if let Some(address) = &location.address { p.address { (address.one_line()) } }
                        (approximate_note(location))
                        @if let Some((lat, lon)) = location.point() {
                            p { a href={ "https://www.openstreetmap.org/?mlat=" (lat) "&mlon=" (lon) "#map=17/" (lat) "/" (lon) } rel="noopener noreferrer" { (if location.approximate { "Map of the area (approximate location)" } else { "Map and directions" }) } }
                        }
                        p.actions { @for phone in location.phones.iter().filter(|p| !p.is_fax()) { (PhoneLink(phone)) } }
                        @if let Some(t) = &location.transportation { p { "Getting there: " (t) } }
                        @for a in &location.accessibility { p { "Accessibility: " (a) } }
                        (hours_block(view))
                    }
                }
                @if !s.taxonomy_terms.is_empty() {
                    details.terms {
                        summary { "Source categories" }
                        ul { @for t in &s.taxonomy_terms { li { (t.name) @if t.code != t.name { " (" (t.code) ")" } } } }
                    }
                }
                p.source {
                    "Source: " (s.source.dataset)
                    @if let Some(note) = &s.source_note { " — " (note) }
                }
                p.freshness { (crate::directory::Freshness::of(s)) "." }
                @if let Some(date) = s.attributes.iter().find(|a| a.tag == crate::directory::UPDATED_BY_ORGANIZATION) {
                    p.freshness { "Updated by the organization on " (date.value) "." }
                }
                p { a href={ "/services/" (s.id) "/correct" } { "Suggest a correction" } " (or tell us it has closed)" }
                @if let Some(who) = who.filter(|w| w.claims) {
                    form.claim method="post" action={ "/services/" (s.id) "/claim" } {
                        input type="hidden" name="csrf" value=(who.csrf);
                        button.link type="submit" { "We run this service: manage its listings" }
                    }
                }
                @if let Some(who) = who.filter(|w| w.moderates) {
                    form.verify method="post" action={ "/services/" (s.id) "/verify" } {
                        input type="hidden" name="csrf" value=(who.csrf);
                        input type="hidden" name="next" value={ "/services/" (s.id) };
                        button type="submit" { "Verify: confirmed unchanged by phone or email" }
                    }
                }
            }
        }, who))
    }
}

/// `GET /about`: the data and its licences.
pub fn about_page(listings: usize) -> Markup {
    layout(
        "About",
        html! {
            h1 { "About Hearth" }
            p { "Hearth helps clinicians, social workers and case managers find housing, food, legal, health and community services near a client. It holds " (listings) " listings from open data." }
            h2 { "Where the listings come from" }
            ul {
                li { "HRSA health center sites; SAMHSA mental health, substance use and opioid treatment facilities; HUD public housing agencies, public housing developments and housing counseling agencies (DC, MD, VA); VA medical centers, clinics, Vet Centers and benefits offices; IMLS public library systems; USDA farmers markets — US government works, public domain." }
                li { "211 Miami / Open Referral: a 2019 snapshot of the Miami-Dade 211 directory, published by Open Referral as an open demonstration dataset (HSDS 1.x)." }
                li { "Food pantries from 16 food-bank locators, collected by the Pantry Pirate Radio project (CC0 1.0). Please credit the original food banks." }
                li { "Food Oasis Los Angeles (2017), © Hack for LA c/o Code for America, MIT licence." }
                li { "Place names and ZIP codes: US Census Bureau Gazetteer files (public domain) and GeoNames (geonames.org), licensed CC BY 4.0." }
                li { "Category names: the Open Eligibility taxonomy (Open Referral), CC BY-SA 4.0." }
            }
            p { "Several of these lists are snapshots from 2013–2021. Locations marked “approximate” are placed at the centre of their ZIP code. Always call a service before sending a client." }
        },
    )
}

/// An error page: what went wrong, in words a person can act on.
pub fn error_page(title: &str, message: &str) -> Markup {
    layout(
        title,
        html! {
            h1 { (title) }
            p { (message) }
            p { a href="/" { "Back to search" } }
        },
    )
}
