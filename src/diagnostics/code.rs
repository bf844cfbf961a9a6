//! The diagnostic codes: stable names that tools and docs can rely on.

use std::fmt;

macro_rules! codes {
    ($($variant:ident => $name:literal: $doc:literal,)*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(#[doc = $doc] $variant,)*
        }

        impl Code {
            /// The code as printed in `error[code]`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// Every code with its description, for documentation and tests.
            pub fn all() -> &'static [(Code, &'static str)] {
                &[$((Code::$variant, $doc),)*]
            }
        }
    };
}

codes! {
    Io => "io": "the file cannot be read",
    NotUtf8 => "not-utf8": "the file is not UTF-8 text",
    TooLarge => "too-large": "the file is larger than the loader accepts",
    Empty => "empty": "the file holds no configuration",
    Syntax => "yaml-syntax": "the YAML cannot be parsed (including tabs used for indentation, alias bombs and too deep nesting)",
    DuplicateKey => "duplicate-key": "a key appears twice in one mapping",
    UnknownField => "unknown-field": "a key that the configuration language does not have",
    MissingField => "missing-field": "a required key is absent",
    Type => "type": "a value has the wrong type",
    InvalidValue => "invalid-value": "a value is outside what is allowed (enum, range, format)",
    UnknownKind => "unknown-kind": "an action `kind` that does not exist",
    NotInFragment => "not-in-fragment": "an included fragment sets a key only a tenant file may set",
    MissingTenant => "missing-tenant": "a tenant file without `version` or `tenant`",
    BadDomain => "bad-domain": "`tenant.domain` is not a usable target",
    IncludeMissing => "include-missing": "an included file does not exist",
    IncludeCycle => "include-cycle": "files include each other in a cycle",
    DuplicateAction => "duplicate-action": "two files declare the same action, secret or variable differently, or both set `defaults` or `flow`",
    OverrideTarget => "override-target": "an override names an action or secret that no included file declares (or that its own file declares)",
    OverrideType => "override-type": "an override changes a value between mapping, list and scalar, or an action's kind",
    UndeclaredVariable => "undeclared-variable": "a string uses, or a file sets, a variable that no file declares",
    UnsetVariable => "unset-variable": "a variable is used but has no default and the tenant file does not set it",
    UnusedVariable => "unused-variable": "a variable is declared but no string uses it",
    VariableType => "variable-type": "a variable's value or default does not have its declared type",
    BadReference => "bad-reference": "a `${...}` in a string that is not `${var.NAME}` (write `$${` for a literal `${`)",
    UnknownAction => "unknown-action": "a flow entry names an action that is not declared",
    DuplicateBinding => "duplicate-binding": "an action appears twice in one trigger's flow",
    WrongTrigger => "wrong-trigger": "an action is bound to a trigger it does not target",
    UnknownSecret => "unknown-secret": "an action needs a secret that is not declared",
    ActionName => "action-name": "an action name Auth0 would refuse",
    RestrictedClaim => "restricted-claim": "a claim name that Auth0 silently drops, or a reserved namespace",
    TooManyBindings => "too-many-bindings": "more than 20 actions bound to one trigger",
    TooManySecrets => "too-many-secrets": "more than 30 secrets for one action",
    ClaimSize => "claim-size": "literal claims larger than Auth0's 100 kB limit",
    HasuraRole => "hasura-role": "a Hasura default role outside the allowed roles, or an empty role",
    HasuraVariable => "hasura-variable": "a Hasura session variable that is not `x-hasura-*` or not a string",
    HasuraAdmin => "hasura-admin": "a Hasura rule grants the `admin` role",
    TinybirdScope => "tinybird-scope": "a Tinybird scope option that does not fit its type, or a bad pipe name",
    TinybirdExpiry => "tinybird-expiry": "a Tinybird token lifetime that is not positive or too long",
    EventPath => "event-path": "a path that does not exist in the post-login event",
    ClaimValue => "claim-value": "a claim without exactly one of `value` and `path`",
    Url => "url": "a URL that is not https (or loopback http)",
    CustomCode => "custom-code": "the code file of a `custom` action is missing",
    Dependency => "dependency": "an npm dependency Auth0 would refuse",
    TestCase => "test-case": "a test case that cannot run",
    UnusedSecret => "unused-secret": "a declared secret that no action uses",
    UnboundAction => "unbound-action": "a declared action that no flow binds",
    NonNamespacedClaim => "non-namespaced-claim": "a non-namespaced claim on the access token",
    PersistedCredential => "persisted-credential": "a token stored in `app_metadata` persists a credential",
    PlainScalar => "plain-scalar": "a plain YAML scalar that YAML 1.1 reads differently (`NO`, `012`), or a number or boolean where a string is expected",
    UntrustedInput => "untrusted-input": "a token, role or row filter takes a value the user can edit (`user_metadata`, profile fields, request data)",
    UntrustedRole => "untrusted-role": "a Hasura role in `privileged_roles` is granted on a condition the user can edit",
    PathOutsideRoot => "path-outside-root": "a path in a tenant file (include, code, templates, secret or credential file) resolves outside the repository root",
    NotAFile => "not-a-file": "a path names a folder, FIFO, device, socket or `/proc` file where a regular file is read",
    HasuraMetadata => "hasura-metadata": "a `hasura` action's metadata folder, or a file in it, cannot be read or is not the `hasura metadata export` layout",
    HasuraUnusedRole => "hasura-unused-role": "a role a `hasura` action grants has no permission in the Hasura metadata",
    HasuraUngrantedRole => "hasura-ungranted-role": "a role with permissions in the Hasura metadata that no rule of the `hasura` action grants",
    HasuraSessionVariable => "hasura-session-variable": "a session variable a Hasura permission reads that the claims do not always set for a role holding that permission",
    TinybirdProject => "tinybird-project": "a `tinybird` action's project folder, or a datafile in it, cannot be read or parsed",
    TinybirdResource => "tinybird-resource": "a Tinybird scope names a pipe or data source the project does not have",
    TinybirdParam => "tinybird-param": "a `fixed_params` key (or `allow_unfixed` entry) the pipe's template never reads",
    TinybirdRls => "tinybird-rls": "a pipe reads a tenant-key parameter its scope does not fix, or a data source with a tenant-key column is read without `filter`",
    CodeSize => "code-size": "an action's code (the custom file, or as rendered) is larger than Auth0's 100 kB",
    DuplicateOwner => "duplicate-owner": "two tenant files checked together manage one tenant with the same `tenant.owner`",
    MapFrom => "map-from": "a `map[].from` that is empty or has an empty key (`.` maps the whole response)",
    ProfileDomain => "profile-domain": "a `profile` action whose Management API domain is not a usable Auth0 domain (required on `domain: local`)",
    LoginBudget => "login-budget": "a flow whose outbound calls can run past Auth0's 20 s per login (their timeouts summed)",
    LoginBudgetTight => "login-budget-tight": "a flow whose outbound calls can come within 25% of Auth0's 20 s per login",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
