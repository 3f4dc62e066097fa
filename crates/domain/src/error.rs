//! Spoke's error catalogue.
//!
//! Every failure a client can see is one of these variants. Each names the
//! HubSpot category it belongs to; only the HTTP façades know status codes
//! and body shapes (v3 and v1 render the same error differently).

use crate::ids::ContactId;
use std::collections::BTreeMap;
use std::fmt;

/// HubSpot's message for a credential without the scopes a call needs.
pub const MISSING_SCOPES_MESSAGE: &str = "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.";

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// HubSpot's error categories, as they appear in the `category` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    ValidationError,
    ObjectNotFound,
    Conflict,
    ObjectAlreadyExists,
    InvalidAuthentication,
    ExpiredAuthentication,
    MissingScopes,
    RateLimits,
    InternalError,
    ServiceUnavailable,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::ValidationError => "VALIDATION_ERROR",
            Category::ObjectNotFound => "OBJECT_NOT_FOUND",
            Category::Conflict => "CONFLICT",
            Category::ObjectAlreadyExists => "OBJECT_ALREADY_EXISTS",
            Category::InvalidAuthentication => "INVALID_AUTHENTICATION",
            Category::ExpiredAuthentication => "EXPIRED_AUTHENTICATION",
            Category::MissingScopes => "MISSING_SCOPES",
            Category::RateLimits => "RATE_LIMITS",
            Category::InternalError => "INTERNAL_ERROR",
            Category::ServiceUnavailable => "SERVICE_UNAVAILABLE",
        }
    }
}

/// Why one property value was refused: one entry of HubSpot's
/// `validationResults` (v1) or of the JSON list inside a v3 message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemCode {
    PropertyDoesntExist,
    ReadOnlyValue,
    InvalidEmail,
    InvalidDate,
    /// HubSpot's code for a value that does not parse as a number.
    InvalidLong,
    InvalidBoolean,
    InvalidOption,
    ValueTooLong,
    /// A JSON object or array where a property value belongs.
    InvalidValue,
    /// An email address a GDPR delete has blocked.
    BlockedEmail,
}

impl ProblemCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::PropertyDoesntExist => "PROPERTY_DOESNT_EXIST",
            ProblemCode::ReadOnlyValue => "READ_ONLY_VALUE",
            ProblemCode::InvalidEmail => "INVALID_EMAIL",
            ProblemCode::InvalidDate => "INVALID_DATE",
            ProblemCode::InvalidLong => "INVALID_LONG",
            ProblemCode::InvalidBoolean => "INVALID_BOOLEAN",
            ProblemCode::InvalidOption => "INVALID_OPTION",
            ProblemCode::ValueTooLong => "VALUE_TOO_LONG",
            ProblemCode::InvalidValue => "INVALID_VALUE",
            ProblemCode::BlockedEmail => "BLOCKED_EMAIL",
        }
    }
}

/// Which policy refused a call, in HubSpot's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LimitPolicy {
    /// `TEN_SECONDLY_ROLLING`, with HubSpot's `groupName`.
    TenSecondly { group: String },
    /// `DAILY`.
    Daily,
    /// Search's calls per second.
    Secondly,
}

/// One refused property value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyProblem {
    /// The property's name as the client sent it.
    pub name: String,
    pub code: ProblemCode,
    pub message: String,
}

impl PropertyProblem {
    pub fn new(name: &str, code: ProblemCode, message: impl Into<String>) -> Self {
        PropertyProblem {
            name: name.to_string(),
            code,
            message: message.into(),
        }
    }
}

/// One entry of a v3 error's `errors[]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorDetail {
    pub message: String,
    pub code: Option<String>,
    /// Where the problem is (HubSpot's `in`): a field or parameter name.
    pub location: Option<String>,
    pub context: BTreeMap<String, Vec<String>>,
}

impl ErrorDetail {
    pub fn new(message: impl Into<String>) -> Self {
        ErrorDetail {
            message: message.into(),
            ..ErrorDetail::default()
        }
    }

    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    pub fn location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }
}

/// A malformed request or a broken limit: a message and, optionally, which
/// fields were at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub message: String,
    pub details: Vec<ErrorDetail>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// Some property values were refused; nothing was written.
    InvalidPropertyValues(Vec<PropertyProblem>),
    /// The request itself is malformed or breaks a limit.
    Invalid(Invalid),
    /// The object does not exist in this portal (or is not in the requested
    /// archived state).
    NotFound(String),
    /// Another contact already has this email address.
    ContactExists { existing_id: ContactId },
    /// Another contact already has this value of a `hasUniqueValue` property.
    UniqueValueTaken {
        property: String,
        value: String,
        existing_id: ContactId,
    },
    /// Any other conflict with existing state.
    Conflict(String),
    /// A definition (property, group) with this name exists already.
    AlreadyExists(String),
    /// Missing, unknown or malformed credentials.
    Unauthenticated(String),
    /// An OAuth access token that expired this many seconds ago.
    Expired { seconds_ago: i64 },
    /// A valid credential without any of the scopes the call needs; the
    /// scopes HubSpot names as required.
    MissingScopes(Vec<String>),
    /// A rate limit was reached.
    RateLimited(LimitPolicy),
    /// A storage failure. The text is logged, never sent to the client.
    Internal(String),
    /// The store is unreachable (its database is down or the connection
    /// was lost): the request may succeed if sent again.
    Unavailable(String),
    /// What a write read was changed by a concurrent writer before it could
    /// lock it: the store runs the write again. Never reaches a client
    /// unless retries run out (then it is internal).
    Retry(String),
}

impl Error {
    pub fn category(&self) -> Category {
        match self {
            Error::InvalidPropertyValues(_) | Error::Invalid(_) => Category::ValidationError,
            Error::NotFound(_) => Category::ObjectNotFound,
            Error::ContactExists { .. } | Error::UniqueValueTaken { .. } | Error::Conflict(_) => {
                Category::Conflict
            }
            Error::AlreadyExists(_) => Category::ObjectAlreadyExists,
            Error::Unauthenticated(_) => Category::InvalidAuthentication,
            Error::Expired { .. } => Category::ExpiredAuthentication,
            Error::MissingScopes(_) => Category::MissingScopes,
            Error::RateLimited(_) => Category::RateLimits,
            Error::Internal(_) | Error::Retry(_) => Category::InternalError,
            Error::Unavailable(_) => Category::ServiceUnavailable,
        }
    }

    /// A 400 with a message and no field details.
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::Invalid(Invalid {
            message: message.into(),
            details: Vec::new(),
        })
    }

    /// A 400 naming the offending field or parameter.
    pub fn invalid_field(location: &str, message: impl Into<String>) -> Error {
        let message = message.into();
        Error::Invalid(Invalid {
            details: vec![ErrorDetail::new(message.clone()).location(location)],
            message,
        })
    }

    /// A 400 naming every offending field; the message lists them all.
    pub fn invalid_fields(details: Vec<ErrorDetail>) -> Error {
        let message = details
            .iter()
            .map(|d| d.message.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        Error::Invalid(Invalid { message, details })
    }

    pub fn internal(err: impl fmt::Display) -> Error {
        Error::Internal(err.to_string())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidPropertyValues(problems) => {
                write!(f, "Property values were not valid:")?;
                for p in problems {
                    write!(f, " {} ({}): {};", p.name, p.code.as_str(), p.message)?;
                }
                Ok(())
            }
            Error::Invalid(invalid) => f.write_str(&invalid.message),
            Error::NotFound(message) | Error::Conflict(message) | Error::AlreadyExists(message) => {
                f.write_str(message)
            }
            Error::ContactExists { existing_id } => {
                write!(f, "Contact already exists. Existing ID: {existing_id}")
            }
            Error::UniqueValueTaken {
                property,
                value,
                existing_id,
            } => write!(
                f,
                "A contact with the value \"{value}\" for the unique property \"{property}\" already exists. Existing ID: {existing_id}"
            ),
            Error::Unauthenticated(message) => f.write_str(message),
            Error::Expired { seconds_ago } => write!(
                f,
                "The OAuth token used to make this call expired {seconds_ago} second(s) ago."
            ),
            Error::MissingScopes(_) => f.write_str(MISSING_SCOPES_MESSAGE),
            Error::RateLimited(policy) => f.write_str(match policy {
                LimitPolicy::TenSecondly { .. } => {
                    "You have reached your ten_secondly_rolling limit."
                }
                LimitPolicy::Daily => "You have reached your daily limit.",
                LimitPolicy::Secondly => "You have reached your secondly limit.",
            }),
            Error::Internal(message) => write!(f, "internal error: {message}"),
            Error::Unavailable(message) => write!(f, "storage unavailable: {message}"),
            Error::Retry(message) => write!(f, "concurrent write, retry: {message}"),
        }
    }
}

impl std::error::Error for Error {}
