//! Configuration: which account (a pupil's code and date of birth, or a parent's e-mail and
//! password), how to log in, the school's registers and teaching days, and the settings every
//! vendor client shares ([`ClientOptions`]: host, time zone, rate limit, retry, timeout,
//! transport, TLS, proxy).
//!
//! Every credential is a [`SecretString`] or hidden, and `Debug` never shows one: the pupil
//! code and date of birth are a complete login on their own.

use std::fmt;
use std::time::Duration;

use jiff::civil::{Date, Weekday};
use mis_core::codes::{CodeMapper, CodeOverride, parse_code_map};
use mis_core::{AttendanceCategory, Error, ErrorKind, Result};
use mis_http::{BaseUrl, ClientOptions, ExposeSecret, RateLimit, SecretString};

use crate::VENDOR_ID;
use crate::convert::SessionKeys;
use crate::routes;

/// Pupil code (student login).
pub const ENV_CODE: &str = "MIS_CLASSCHARTS_CODE";
/// Pupil date of birth, `YYYY-MM-DD` or `DD/MM/YYYY` (student login).
pub const ENV_DOB: &str = "MIS_CLASSCHARTS_DOB";
/// Parent e-mail (parent login).
pub const ENV_EMAIL: &str = "MIS_CLASSCHARTS_EMAIL";
/// Parent password (parent login).
pub const ENV_PASSWORD: &str = "MIS_CLASSCHARTS_PASSWORD";
/// Optional: `json` (default) or `web`, the login style ([`LoginStyle`]).
pub const ENV_LOGIN_STYLE: &str = "MIS_CLASSCHARTS_LOGIN_STYLE";
/// Optional: a parent's pupil id, to use that pupil only ([`Config::pupil`]).
pub const ENV_PUPIL: &str = "MIS_CLASSCHARTS_PUPIL";
/// Optional: the school's own attendance codes, `CODE=category` pairs separated by `,` or `;`
/// (`Q=authorised_absence`; the form of [`mis_core::codes::parse_code_map`]). ClassCharts
/// sends each register's code as the school recorded it: a school's own code is not in the
/// DfE table, and ClassCharts' coarse `status` word (when it sends one) cannot tell an
/// approved activity from presence or an authorised absence from an unauthorised one. A
/// mapped code takes its mapped category on every date, before the DfE table.
pub const ENV_CODE_MAP: &str = "MIS_CLASSCHARTS_CODE_MAP";
/// Optional: the host override (`scheme://host[:port]`), e.g. a sandbox. Read with the other
/// shared settings by [`ClientOptions::from_lookup`] (`MIS_CLASSCHARTS_TIME_ZONE`,
/// `_QUOTA`, `_TIMEOUT`, `_MAX_ATTEMPTS`, `_USER_AGENT`, `_CA_CERT`, `_TLS_OS_ROOTS`,
/// `_PROXY`).
pub const ENV_BASE_URL: &str = "MIS_CLASSCHARTS_BASE_URL";

/// The real host: both APIs live under `https://www.classcharts.com` (`/apiv2student`,
/// `/apiv2parent`).
pub const DEFAULT_BASE_URL: &str = routes::BASE_URL;
/// The TES sign-on service parents' logins are redirected to since April 2026.
pub const DEFAULT_SSO_BASE_URL: &str = routes::SSO_BASE_URL;
/// The school's zone when ClassCharts does not say: ClassCharts serves UK schools, and a
/// pupil record's `timezone` is `Europe/London` wherever one was seen.
pub const DEFAULT_TIME_ZONE: &str = "Europe/London";
/// The per-attempt timeout unless [`ClientOptions::with_timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The session must be rotated before 180 s have passed since the last rotation: the
/// vendor's apps and the community clients rotate it every 180 s (`PING_INTERVAL`), and
/// sessions left idle longer stop being accepted.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(180);
/// Default rotation interval: 10 s inside [`SESSION_LIFETIME`], so a rotation that is
/// itself slow still lands in time (the JS client keeps 5 s).
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(170);

/// Which API and which credentials.
#[derive(Clone)]
pub enum Account {
    /// The student API (`/apiv2student`): pupil code and date of birth.
    Student {
        /// The pupil code, upper-cased (ClassCharts accepts codes in either case).
        code: SecretString,
        /// Date of birth.
        date_of_birth: Date,
    },
    /// The parent API (`/apiv2parent`): e-mail and password.
    Parent {
        /// E-mail.
        email: String,
        /// Password.
        password: SecretString,
    },
}

impl Account {
    /// The API this account logs in to.
    pub fn api(&self) -> Api {
        match self {
            Account::Student { .. } => Api::Student,
            Account::Parent { .. } => Api::Parent,
        }
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Code + date of birth is a full login; an e-mail is half of one.
        match self {
            Account::Student { .. } => {
                f.write_str("Student { code: [REDACTED], date_of_birth: [REDACTED] }")
            }
            Account::Parent { .. } => {
                f.write_str("Parent { email: [REDACTED], password: [REDACTED] }")
            }
        }
    }
}

/// The two APIs: the student API a pupil's login opens, the parent API a parent's opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// `/apiv2student`.
    Student,
    /// `/apiv2parent`.
    Parent,
}

impl Api {
    /// The path prefix: `/apiv2student` or `/apiv2parent`.
    pub fn prefix(self) -> &'static str {
        match self {
            Api::Student => routes::STUDENT_PREFIX,
            Api::Parent => routes::PARENT_PREFIX,
        }
    }

    /// The web form: `/student/login` or `/parent/login`.
    pub fn form_path(self) -> &'static str {
        match self {
            Api::Student => routes::STUDENT_FORM,
            Api::Parent => routes::PARENT_FORM,
        }
    }

    /// The cookie holding the session after a web-form login.
    pub fn credentials_cookie(self) -> &'static str {
        match self {
            Api::Student => routes::STUDENT_CREDENTIALS_COOKIE,
            Api::Parent => routes::PARENT_CREDENTIALS_COOKIE,
        }
    }
}

/// How to log in: the API's JSON login or the website's login form; both give a session id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum LoginStyle {
    /// `POST /apiv2student/login` or `/apiv2parent/login`; the session id comes back in
    /// `meta.session_id` (what api-docs, the mock and current apps use). The date of birth is
    /// sent as `YYYY-MM-DD`.
    #[default]
    Json,
    /// The web form `POST /student/login` or `/parent/login`, answered with a 302 and
    /// cookies; the session id is inside the URL-encoded `*_session_credentials` cookie (what
    /// the JS library and classcharts-rs do). The date of birth is sent as `DD/MM/YYYY`.
    WebForm,
}

impl LoginStyle {
    /// Parses `json` / `api` or `web` / `form` / `webform` (case-insensitive).
    pub fn parse(value: &str) -> Option<LoginStyle> {
        match value.trim().to_ascii_lowercase().as_str() {
            "json" | "api" => Some(LoginStyle::Json),
            "web" | "form" | "webform" | "web-form" | "web_form" | "cookie" => {
                Some(LoginStyle::WebForm)
            }
            _ => None,
        }
    }
}

/// Everything needed to talk to ClassCharts as one pupil or one parent.
///
/// ```
/// use mis_classcharts::Config;
///
/// let student = Config::student("abc123xyz", "2010-01-20")?;
/// assert!(!format!("{student:?}").contains("ABC123XYZ"));
/// let parent = Config::parent("parent@example.com", "hunter22")?.pupil("123456")?;
/// assert!(!format!("{parent:?}").contains("hunter22"));
/// assert!(Config::student("abc", "20th January").is_err());
/// # Ok::<(), mis_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Config {
    account: Account,
    login_style: LoginStyle,
    sso_base_url: Option<BaseUrl>,
    ping_interval: Duration,
    pupil: Option<String>,
    mapper: CodeMapper,
    session_keys: SessionKeys,
    uncoded_absence: AttendanceCategory,
    school_days: Vec<Weekday>,
    options: ClientOptions,
}

/// The days a school teaches when ClassCharts does not say (Monday to Friday).
pub const DEFAULT_SCHOOL_DAYS: [Weekday; 5] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
];

impl Config {
    /// A student config: the pupil code (trimmed, upper-cased) and the date of birth as
    /// `YYYY-MM-DD` or `DD/MM/YYYY`.
    ///
    /// Errors (`InvalidInput`): an empty code, a code with spaces or control characters, a
    /// date of birth in neither form (the message names the accepted forms, not the value).
    pub fn student(code: &str, date_of_birth: &str) -> Result<Config> {
        let code = code.trim();
        if code.is_empty() {
            return Err(Error::invalid_input("the ClassCharts pupil code is empty"));
        }
        if code.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid_input(
                "the ClassCharts pupil code contains spaces or control characters",
            ));
        }
        let date_of_birth = parse_dob(date_of_birth)?;
        Ok(Config::with_account(Account::Student {
            code: SecretString::from(code.to_ascii_uppercase()),
            date_of_birth,
        }))
    }

    /// A parent config: e-mail and password.
    ///
    /// Errors (`InvalidInput`): an e-mail without `@`, an empty password.
    pub fn parent(email: &str, password: impl Into<SecretString>) -> Result<Config> {
        let email = email.trim();
        if !email.contains('@') || email.chars().any(char::is_whitespace) {
            return Err(Error::invalid_input(
                "the ClassCharts parent e-mail is not an e-mail address",
            ));
        }
        let password: SecretString = password.into();
        if password.expose_secret().is_empty() {
            return Err(Error::invalid_input(
                "the ClassCharts parent password is empty",
            ));
        }
        Ok(Config::with_account(Account::Parent {
            email: email.to_owned(),
            password,
        }))
    }

    fn with_account(account: Account) -> Config {
        Config {
            account,
            login_style: LoginStyle::default(),
            sso_base_url: None,
            ping_interval: DEFAULT_PING_INTERVAL,
            pupil: None,
            mapper: CodeMapper::new(),
            session_keys: SessionKeys::default(),
            uncoded_absence: AttendanceCategory::UnauthorisedAbsence,
            school_days: DEFAULT_SCHOOL_DAYS.to_vec(),
            options: ClientOptions::new(),
        }
    }

    /// Reads the environment: [`ENV_CODE`] and [`ENV_DOB`] for a student, else [`ENV_EMAIL`]
    /// and [`ENV_PASSWORD`] for a parent; then the optional [`ENV_LOGIN_STYLE`],
    /// [`ENV_PUPIL`] and [`ENV_CODE_MAP`], and the shared settings through [`ClientOptions::from_lookup`]
    /// ([`ENV_BASE_URL`], `MIS_CLASSCHARTS_TIME_ZONE`, `MIS_CLASSCHARTS_QUOTA`, …).
    ///
    /// Errors: `Unauthenticated` naming the missing variable (`MIS_CLASSCHARTS_DOB` when only
    /// the code is set, all four when none is), `InvalidInput` naming the variable whose value
    /// is unusable.
    pub fn from_env() -> Result<Config> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] over any variable source (tests, a sync config's table).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let named = |var: &str, e: Error| Error::new(e.kind(), format!("{var}: {}", e.message()));
        let missing = |var: &str, why: &str| {
            Error::new(
                ErrorKind::Unauthenticated,
                format!("{var} is not set: {why}"),
            )
        };
        let student = (get(ENV_CODE), get(ENV_DOB));
        let parent = (get(ENV_EMAIL), get(ENV_PASSWORD));
        let mut config = match (student, parent) {
            ((Some(code), Some(dob)), _) => {
                let dob_checked = parse_dob(&dob).map_err(|e| named(ENV_DOB, e))?;
                Config::student(&code, &dob_checked.to_string()).map_err(|e| named(ENV_CODE, e))?
            }
            ((Some(_), None), _) => {
                return Err(missing(
                    ENV_DOB,
                    "a student login needs the pupil code and date of birth",
                ));
            }
            ((None, Some(_)), _) => {
                return Err(missing(
                    ENV_CODE,
                    "a student login needs the pupil code and date of birth",
                ));
            }
            ((None, None), (Some(email), Some(password))) => {
                Config::parent(&email, password).map_err(|e| named(ENV_EMAIL, e))?
            }
            ((None, None), (Some(_), None)) => {
                return Err(missing(
                    ENV_PASSWORD,
                    "a parent login needs the e-mail and password",
                ));
            }
            ((None, None), (None, Some(_))) => {
                return Err(missing(
                    ENV_EMAIL,
                    "a parent login needs the e-mail and password",
                ));
            }
            ((None, None), (None, None)) => {
                return Err(Error::new(
                    ErrorKind::Unauthenticated,
                    format!(
                        "no ClassCharts credentials: set {ENV_CODE} and {ENV_DOB} (student) or \
                         {ENV_EMAIL} and {ENV_PASSWORD} (parent)"
                    ),
                ));
            }
        };
        if let Some(style) = get(ENV_LOGIN_STYLE) {
            let parsed = LoginStyle::parse(&style).ok_or_else(|| {
                Error::invalid_input(format!(
                    "{ENV_LOGIN_STYLE}: {style:?} is not a login style; use `json` or `web`"
                ))
            })?;
            config = config.login_style(parsed);
        }
        if let Some(pupil) = get(ENV_PUPIL) {
            config = config.pupil(&pupil).map_err(|e| named(ENV_PUPIL, e))?;
        }
        if let Some(map) = get(ENV_CODE_MAP) {
            let map = parse_code_map(&map).map_err(|e| named(ENV_CODE_MAP, e))?;
            config = config.code_map(&map);
        }
        let options = ClientOptions::from_lookup(VENDOR_ID, &lookup)?;
        if let Some(url) = options.base_url() {
            host_only(url, "base URL").map_err(|e| named(ENV_BASE_URL, e))?;
        }
        Ok(config.with_options(options))
    }

    /// The shared client settings. Unset ones are this crate's defaults: the host
    /// [`DEFAULT_BASE_URL`], the pupil's own time zone (else [`DEFAULT_TIME_ZONE`]), at most
    /// 10 requests a second, the default retries (GETs, and POSTs that never reached the
    /// server), a [`DEFAULT_TIMEOUT`] per attempt.
    ///
    /// A base URL is `scheme://host[:port]` without a path: the client adds `/apiv2student`
    /// or `/apiv2parent`; one with a path is refused when the client is built.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Replaces the shared client settings.
    pub fn with_options(mut self, options: ClientOptions) -> Config {
        self.options = options;
        self
    }

    /// Changes the shared client settings:
    /// `config.update_options(|o| o.with_base_url("http://127.0.0.1:8080"))`.
    pub fn update_options(mut self, f: impl FnOnce(ClientOptions) -> ClientOptions) -> Config {
        self.options = f(std::mem::take(&mut self.options));
        self
    }

    /// Where the TES sign-on handshake goes (default `https://session.tes.com`); tests point
    /// it at a local server.
    ///
    /// Errors (`InvalidInput`): not a URL, plain `http://` to a non-loopback host,
    /// credentials, a query, or a path.
    pub fn sso_base_url(mut self, url: &str) -> Result<Config> {
        self.sso_base_url = Some(host_only(url, "sign-on URL")?);
        Ok(self)
    }

    /// The login style (default [`LoginStyle::Json`]).
    pub fn login_style(mut self, style: LoginStyle) -> Config {
        self.login_style = style;
        self
    }

    /// How long after a rotation the session id is rotated again through `POST /ping`
    /// (default [`DEFAULT_PING_INTERVAL`]).
    ///
    /// Errors (`InvalidInput`): zero, or not less than [`SESSION_LIFETIME`] (180 s): the
    /// vendor's sessions do not last that long.
    pub fn ping_interval(mut self, interval: Duration) -> Result<Config> {
        if interval.is_zero() || interval >= SESSION_LIFETIME {
            return Err(Error::invalid_input(format!(
                "the ClassCharts ping interval must be more than 0 and less than {} s, not {:?}",
                SESSION_LIFETIME.as_secs(),
                interval
            )));
        }
        self.ping_interval = interval;
        Ok(self)
    }

    /// Parent accounts: use only this pupil (by ClassCharts pupil id) instead of all of the
    /// parent's pupils.
    ///
    /// Errors (`InvalidInput`): an empty id, or a student config (a student is their own
    /// pupil).
    pub fn pupil(mut self, pupil_id: &str) -> Result<Config> {
        let id = pupil_id.trim();
        if id.is_empty() {
            return Err(Error::invalid_input("the ClassCharts pupil id is empty"));
        }
        if self.account.api() == Api::Student {
            return Err(Error::invalid_input(
                "a pupil can only be chosen for a parent login; a student login is its own pupil",
            ));
        }
        self.pupil = Some(id.to_owned());
        Ok(self)
    }

    /// Per-school corrections of the attendance mapping (a school's own codes or labels).
    pub fn code_mapper(mut self, mapper: CodeMapper) -> Config {
        self.mapper = mapper;
        self
    }

    /// Maps the school's own attendance codes (what [`ENV_CODE_MAP`] holds, parsed by
    /// [`mis_core::codes::parse_code_map`]): each code takes its category on every date,
    /// before the DfE table and before ClassCharts' `status`. Added to any overrides of
    /// [`Config::code_mapper`]; a later entry for the same code wins.
    pub fn code_map(mut self, map: &[CodeOverride]) -> Config {
        for o in map {
            self.mapper =
                std::mem::take(&mut self.mapper).override_code(&o.key, o.category, o.late);
        }
        self
    }

    /// Which attendance register keys are the AM / PM sessions (default: `AM`, `PM`,
    /// `AM Reg`, `Morning`, `Afternoon`… — see [`SessionKeys`]); every other key is a lesson
    /// register.
    pub fn session_keys(mut self, keys: SessionKeys) -> Config {
        self.session_keys = keys;
        self
    }

    /// The category of an absence recorded without a code (a school that hides codes sends
    /// `status` `absent` or `no` with an empty `code`). Default
    /// [`AttendanceCategory::UnauthorisedAbsence`]: an absence with no reason recorded is
    /// unauthorised in DfE terms until the school gives one.
    ///
    /// Errors (`InvalidInput`): a category that is not an absence (authorised or
    /// unauthorised) — an uncoded absence is never a presence.
    pub fn uncoded_absence(mut self, category: AttendanceCategory) -> Result<Config> {
        if !matches!(
            category,
            AttendanceCategory::AuthorisedAbsence | AttendanceCategory::UnauthorisedAbsence
        ) {
            return Err(Error::invalid_input(format!(
                "an uncoded ClassCharts absence is an authorised or unauthorised absence, not {}",
                category.as_str()
            )));
        }
        self.uncoded_absence = category;
        Ok(self)
    }

    /// The weekdays the school teaches (default Monday to Friday). The timetable is asked for
    /// these days only, unless ClassCharts' own `meta.timetable_dates` names another date.
    ///
    /// Errors (`InvalidInput`): an empty list.
    pub fn school_days(mut self, days: impl IntoIterator<Item = Weekday>) -> Result<Config> {
        let mut days: Vec<Weekday> = days.into_iter().collect();
        days.sort_by_key(|d| d.to_monday_zero_offset());
        days.dedup();
        if days.is_empty() {
            return Err(Error::invalid_input(
                "a ClassCharts school teaches on at least one weekday",
            ));
        }
        self.school_days = days;
        Ok(self)
    }

    /// The account.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The API the account logs in to.
    pub fn api(&self) -> Api {
        self.account.api()
    }

    /// The login style.
    pub fn style(&self) -> LoginStyle {
        self.login_style
    }

    /// The host requests go to: the options' base URL, else [`DEFAULT_BASE_URL`].
    ///
    /// Errors (`InvalidInput`): a base URL [`Config::options`] does not accept.
    pub(crate) fn endpoint(&self) -> Result<BaseUrl> {
        host_only(self.options.base_url_or(DEFAULT_BASE_URL), "base URL")
    }

    /// The host of the TES sign-on handshake.
    pub fn sso_endpoint(&self) -> Result<BaseUrl> {
        match &self.sso_base_url {
            Some(b) => Ok(b.clone()),
            None => BaseUrl::parse(DEFAULT_SSO_BASE_URL),
        }
    }

    /// The rotation interval.
    pub fn rotation_interval(&self) -> Duration {
        self.ping_interval
    }

    /// The chosen pupil (parent accounts).
    pub fn chosen_pupil(&self) -> Option<&str> {
        self.pupil.as_deref()
    }

    /// The attendance mapping.
    pub fn mapper(&self) -> &CodeMapper {
        &self.mapper
    }

    /// The session register keys.
    pub fn sessions(&self) -> &SessionKeys {
        &self.session_keys
    }

    /// The category of an uncoded absence.
    pub fn uncoded_absence_kind(&self) -> AttendanceCategory {
        self.uncoded_absence
    }

    /// The weekdays the school teaches.
    pub fn teaching_days(&self) -> &[Weekday] {
        &self.school_days
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("account", &self.account)
            .field("login_style", &self.login_style)
            .field("sso_base_url", &self.sso_base_url)
            .field("ping_interval", &self.ping_interval)
            .field("pupil", &self.pupil)
            .field("code_overrides", &self.mapper.has_overrides())
            .field("session_keys", &self.session_keys)
            .field("uncoded_absence", &self.uncoded_absence)
            .field("school_days", &self.school_days)
            .field("options", &self.options)
            .finish()
    }
}

/// At most 10 requests a second, bursts of 10. ClassCharts publishes no limit, but it is a
/// consumer app's backend with no official API: be gentle.
pub(crate) fn default_rate_limit() -> RateLimit {
    RateLimit::per_period(Duration::from_millis(100), 10)
}

/// A host override: `scheme://host[:port]`, no path.
fn host_only(url: &str, what: &str) -> Result<BaseUrl> {
    let base = BaseUrl::parse(url)?;
    if !base.as_url().path().trim_matches('/').is_empty() {
        return Err(Error::invalid_input(format!(
            "a ClassCharts {what} override must be scheme://host[:port] without a path; the \
             client adds /apiv2student or /apiv2parent itself"
        )));
    }
    Ok(base)
}

/// A date of birth as `YYYY-MM-DD` or `DD/MM/YYYY` (`D/M/YYYY` too).
///
/// The error names the accepted forms, never the value: a date of birth is half a login.
pub fn parse_dob(value: &str) -> Result<Date> {
    let v = value.trim();
    let bad = || {
        Error::invalid_input(
            "the ClassCharts date of birth is not a date in YYYY-MM-DD or DD/MM/YYYY form",
        )
    };
    if v.len() == 10 && v.as_bytes()[4] == b'-' && v.as_bytes()[7] == b'-' {
        return v.parse::<Date>().map_err(|_| bad());
    }
    let mut parts = v.split('/');
    let (Some(d), Some(m), Some(y), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let num = |s: &str, max_len: usize| -> Result<i16> {
        let s = s.trim();
        if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse::<i16>().map_err(|_| bad())
    };
    let (d, m, y) = (num(d, 2)?, num(m, 2)?, num(y, 4)?);
    if y < 1000 {
        return Err(bad());
    }
    let d = i8::try_from(d).map_err(|_| bad())?;
    let m = i8::try_from(m).map_err(|_| bad())?;
    Date::new(y, m, d).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn dates_of_birth_in_both_forms() {
        let want = jiff::civil::date(2010, 1, 20);
        assert_eq!(parse_dob("2010-01-20").unwrap(), want);
        assert_eq!(parse_dob("20/01/2010").unwrap(), want);
        assert_eq!(parse_dob(" 20/1/2010 ").unwrap(), want);
        for bad in [
            "2010-13-01",
            "31/02/2010",
            "20-01-2010",
            "1/1/10",
            "",
            "soon",
            "1/1/2010/1",
        ] {
            let e = parse_dob(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn codes_are_upper_cased_and_checked() {
        let c = Config::student(" abc123 ", "2010-01-20").unwrap();
        let Account::Student { code, .. } = c.account() else {
            panic!("a student")
        };
        assert_eq!(code.expose_secret(), "ABC123");
        assert!(Config::student("", "2010-01-20").is_err());
        assert!(Config::student("AB C", "2010-01-20").is_err());
        assert!(Config::parent("not-an-email", "pw").is_err());
        assert!(Config::parent("a@b.c", "").is_err());
    }

    #[test]
    fn from_env_picks_the_account_and_names_missing_variables() {
        let c = Config::from_lookup(env(&[(ENV_CODE, "x1"), (ENV_DOB, "20/01/2010")])).unwrap();
        assert_eq!(c.api(), Api::Student);
        let c = Config::from_lookup(env(&[
            (ENV_EMAIL, "p@example.com"),
            (ENV_PASSWORD, "pw"),
            (ENV_PUPIL, "42"),
            (ENV_LOGIN_STYLE, "web"),
            (ENV_BASE_URL, "http://127.0.0.1:9/"),
        ]))
        .unwrap();
        assert_eq!(c.api(), Api::Parent);
        assert_eq!(c.chosen_pupil(), Some("42"));
        assert_eq!(c.style(), LoginStyle::WebForm);
        assert_eq!(c.endpoint().unwrap().as_str(), "http://127.0.0.1:9");

        let e = Config::from_lookup(env(&[(ENV_CODE, "x1")])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        assert!(e.to_string().contains(ENV_DOB), "{e}");
        let e = Config::from_lookup(env(&[(ENV_EMAIL, "p@example.com")])).unwrap_err();
        assert!(e.to_string().contains(ENV_PASSWORD), "{e}");
        let e = Config::from_lookup(env(&[])).unwrap_err();
        for var in [ENV_CODE, ENV_DOB, ENV_EMAIL, ENV_PASSWORD] {
            assert!(e.to_string().contains(var), "{e}");
        }
        let e = Config::from_lookup(env(&[(ENV_CODE, "x1"), (ENV_DOB, "1st May")])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains(ENV_DOB), "{e}");
        assert!(!e.to_string().contains("1st May"), "{e}");
        let e = Config::from_lookup(env(&[
            (ENV_CODE, "x1"),
            (ENV_DOB, "2010-01-20"),
            (ENV_LOGIN_STYLE, "carrier-pigeon"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains(ENV_LOGIN_STYLE), "{e}");
        for bad in ["http://example.com", "http://127.0.0.1:9/apiv2student"] {
            let e = Config::from_lookup(env(&[
                (ENV_CODE, "x1"),
                (ENV_DOB, "2010-01-20"),
                (ENV_BASE_URL, bad),
            ]))
            .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}");
            assert!(e.to_string().contains(ENV_BASE_URL), "{e}");
        }
        // The shared settings come through ClientOptions, under the same names as before.
        let c = Config::from_lookup(env(&[
            (ENV_CODE, "x1"),
            (ENV_DOB, "2010-01-20"),
            ("MIS_CLASSCHARTS_TIME_ZONE", "Europe/Dublin"),
            ("MIS_CLASSCHARTS_QUOTA", "5/1"),
            ("MIS_CLASSCHARTS_TIMEOUT", "7"),
        ]))
        .unwrap();
        assert_eq!(c.options().time_zone(), Some("Europe/Dublin"));
        assert_eq!(
            c.options().rate_limit(),
            Some(RateLimit::at_most(5, Duration::from_secs(1)))
        );
        assert_eq!(c.options().timeout(), Some(Duration::from_secs(7)));
    }

    #[test]
    fn overrides_are_checked() {
        let c = Config::student("x1", "2010-01-20").unwrap();
        // A path would double the API prefix.
        let with_path = c
            .clone()
            .update_options(|o| o.with_base_url("https://cc.example/apiv2student"));
        let e = with_path.endpoint().unwrap_err();
        assert!(e.to_string().contains("without a path"), "{e}");
        assert!(crate::StudentClient::new(with_path).is_err());
        let mars = c
            .clone()
            .update_options(|o| o.with_time_zone("Mars/Olympus"));
        assert!(crate::StudentClient::new(mars).is_err());
        assert!(c.clone().sso_base_url("https://tes.example/v1").is_err());
        assert!(c.clone().ping_interval(Duration::from_secs(180)).is_err());
        assert!(c.clone().ping_interval(Duration::ZERO).is_err());
        assert!(c.clone().ping_interval(Duration::from_secs(60)).is_ok());
        assert!(
            c.clone()
                .uncoded_absence(AttendanceCategory::Present)
                .is_err()
        );
        assert_eq!(
            c.clone()
                .uncoded_absence(AttendanceCategory::AuthorisedAbsence)
                .unwrap()
                .uncoded_absence_kind(),
            AttendanceCategory::AuthorisedAbsence
        );
        assert!(c.clone().school_days([]).is_err());
        assert!(c.pupil("42").is_err(), "students cannot choose a pupil");
    }

    #[test]
    fn the_code_map_maps_a_school_code_before_the_dfe_table_and_the_status() {
        use crate::convert::{MarkRules, marks};
        use crate::wire::AttendanceDays;

        // ZZ is no DfE code; Q is one since August 2024 (not counted), which the school's
        // own meaning replaces; `/` stays the DfE table's.
        let d: AttendanceDays = serde_json::from_value(serde_json::json!({
            "2024-09-09": {
                "AM": {"code": "ZZ", "late_minutes": 0},
                "PM": {"code": "q", "status": "ignore", "late_minutes": 0},
                "P1": {"code": "/", "status": "present", "late_minutes": ""}
            }
        }))
        .unwrap();
        let category = |config: &Config| {
            let rules = MarkRules {
                mapper: config.mapper().clone(),
                ..MarkRules::default()
            };
            marks("42", &d, &rules, None)
                .into_iter()
                .map(|m| (m.code.clone(), (m.category, m.late)))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        let login = [(ENV_CODE, "x1"), (ENV_DOB, "2010-01-20")];
        let plain = Config::from_lookup(env(&login)).unwrap();
        let got = category(&plain);
        assert_eq!(got["ZZ"], (AttendanceCategory::Unmapped, false));
        assert_eq!(got["q"], (AttendanceCategory::NotCounted, false));

        let mut with_map = login.to_vec();
        with_map.push((ENV_CODE_MAP, "ZZ=present_late; Q=authorised_absence"));
        let mapped = Config::from_lookup(env(&with_map)).unwrap();
        let got = category(&mapped);
        assert_eq!(got["ZZ"], (AttendanceCategory::Present, true));
        assert_eq!(got["q"], (AttendanceCategory::AuthorisedAbsence, false));
        assert_eq!(got["/"], (AttendanceCategory::Present, false));

        let mut bad = login.to_vec();
        bad.push((ENV_CODE_MAP, "ZZ=sometimes"));
        let e = Config::from_lookup(env(&bad)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains(ENV_CODE_MAP), "{e}");
    }

    #[test]
    fn debug_shows_no_credential() {
        let s = Config::student("code9zz", "2011-03-04").unwrap();
        let p = Config::parent("someone@example.com", "pa55word!").unwrap();
        let shown = format!("{s:?} {p:?}");
        for secret in [
            "CODE9ZZ",
            "code9zz",
            "2011-03-04",
            "someone@example.com",
            "pa55word!",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
}
