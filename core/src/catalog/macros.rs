//! `operations!`: turns the declarations in `ops.rs` into the [`super::OPERATIONS`] table, the
//! typed async methods and their blocking twins. Nothing else in the crate names an operation's
//! path, method or retry policy.
//!
//! One declaration reads:
//!
//! ```text
//! /// doc
//! get => "agents.get": GET "/v1/agents/{agentId}", path(agent_id: "agentId" "agent id"),
//!     none(), -> (Agent), 200, safe, py(positional);
//! ```
//!
//! - input: `none()`, `body(Type)`, `query(Type)` or `strings(arg: "wire" "label", ...)`;
//! - output: `()`, `(Type)` or `(WireType => ResultType)` (`ResultType: MapFrom<WireType>`);
//! - retry: `safe`, `never` or `idempotency_key`;
//! - py: how the Python method takes its input (see [`super::PyStyle`]).

macro_rules! operations {
    (
        unauthenticated {
            $( $(#[doc = $udoc:literal])* $ufn:ident => $uname:literal : $um:ident $upath:literal,
                path($($upp:ident : $uppw:literal $uppl:literal),*),
                $uin:ident ( $($uinargs:tt)* ), -> $uout:tt, $ustatus:literal, $uretry:ident,
                py($upy:ident); )*
        }
        root {
            $( $(#[doc = $rdoc:literal])* $rfn:ident => $rname:literal : $rm:ident $rpath:literal,
                path($($rpp:ident : $rppw:literal $rppl:literal),*),
                $rin:ident ( $($rinargs:tt)* ), -> $rout:tt, $rstatus:literal, $rretry:ident,
                py($rpy:ident); )*
        }
        $(
            $(#[doc = $gdoc:literal])*
            group $G:ident $acc:ident $gname:literal {
                $( $(#[doc = $doc:literal])* $fn:ident => $name:literal : $m:ident $path:literal,
                    path($($pp:ident : $ppw:literal $ppl:literal),*),
                    $in:ident ( $($inargs:tt)* ), -> $out:tt, $status:literal, $retry:ident
                    $(+ $gauth:ident)?, py($py:ident); )*
            }
        )*
    ) => {
        /// Every operation, in declaration order.
        pub static OPERATIONS: &[$crate::catalog::Operation] = &[
            $( operations!(@entry "", $ufn, [$($udoc)*], $uname, $um, $upath,
                [$($upp $uppw $uppl)*], $uin ($($uinargs)*), $uout, $ustatus, $uretry,
                ($crate::catalog::Auth::None), $upy), )*
            $( operations!(@entry "", $rfn, [$($rdoc)*], $rname, $rm, $rpath,
                [$($rpp $rppw $rppl)*], $rin ($($rinargs)*), $rout, $rstatus, $rretry, ($crate::catalog::Auth::ApiKey), $rpy), )*
            $( $( operations!(@entry $gname, $fn, [$($doc)*], $name, $m, $path,
                [$($pp $ppw $ppl)*], $in ($($inargs)*), $out, $status, $retry, (operations!(@auth $($gauth)?)), $py), )* )*
        ];

        impl $crate::client::Client {
            $(
                operations!(@method [$($rdoc)*] $rfn, (operations!(@entry "", $rfn, [$($rdoc)*],
                    $rname, $rm, $rpath, [$($rpp $rppw $rppl)*], $rin ($($rinargs)*), $rout,
                    $rstatus, $rretry, ($crate::catalog::Auth::ApiKey), $rpy)), [$($rpp)*], $rin ($($rinargs)*), $rout);
            )*
            $(
                $(#[doc = $gdoc])*
                pub fn $acc(&self) -> $crate::client::$G<'_> {
                    $crate::client::$G { client: self }
                }
            )*
        }

        impl $crate::blocking::Client {
            $(
                operations!(@blocking [$($rdoc)*] $rfn, [$($rpp)*], $rin ($($rinargs)*), $rout);
            )*
            $(
                $(#[doc = $gdoc])*
                pub fn $acc(&self) -> $crate::blocking::$G<'_> {
                    $crate::blocking::$G(self.as_async().$acc())
                }
            )*
        }

        /// The resource groups of [`crate::Client`], borrowed views on it.
        pub mod groups {
            use $crate::catalog::macros::operations;
            #[allow(unused_imports)]
            use super::*;
            $(
                $(#[doc = $gdoc])*
                #[derive(Debug, Clone, Copy)]
                pub struct $G<'a> {
                    pub(crate) client: &'a $crate::client::Client,
                }

                impl $crate::catalog::HasHttp for $G<'_> {
                    fn http(&self) -> &$crate::http::Http {
                        $crate::catalog::HasHttp::http(self.client)
                    }
                }

                impl $G<'_> {
                    $(
                        operations!(@method [$($doc)*] $fn, (operations!(@entry $gname, $fn, [$($doc)*],
                            $name, $m, $path, [$($pp $ppw $ppl)*], $in ($($inargs)*), $out,
                            $status, $retry, (operations!(@auth $($gauth)?)), $py)), [$($pp)*], $in ($($inargs)*), $out);
                    )*
                }
            )*
        }

        /// The blocking twins of [`groups`].
        pub mod blocking_groups {
            use $crate::catalog::macros::operations;
            #[allow(unused_imports)]
            use super::*;
            $(
                $(#[doc = $gdoc])*
                #[derive(Debug, Clone, Copy)]
                pub struct $G<'a>(pub(crate) $crate::client::$G<'a>);

                impl<'a> $G<'a> {
                    fn as_inner(&self) -> &$crate::client::$G<'a> {
                        &self.0
                    }

                    $(
                        operations!(@blocking [$($doc)*] $fn, [$($pp)*], $in ($($inargs)*), $out);
                    )*
                }
            )*
        }

        /// Unauthenticated operations run with a key-less client.
        pub(crate) mod unauthenticated {
            use $crate::catalog::macros::operations;
            #[allow(unused_imports)]
            use super::*;
            $(
                #[allow(non_upper_case_globals)]
                pub(crate) const $ufn: $crate::catalog::Operation = operations!(@entry "", $ufn,
                    [$($udoc)*], $uname, $um, $upath, [$($upp $uppw $uppl)*],
                    $uin ($($uinargs)*), $uout, $ustatus, $uretry, ($crate::catalog::Auth::None), $upy);
            )*
        }
    };

    // ---------------------------------------------------------------- one table entry
    (@entry $group:literal, $fn:ident, [$($doc:literal)*], $name:literal, $m:ident, $path:literal,
        [$($pp:ident $ppw:literal $ppl:literal)*], $in:ident ($($inargs:tt)*), $out:tt,
        $status:literal, $retry:ident, ($auth:expr), $py:ident) => {
        $crate::catalog::Operation {
            name: $name,
            group: $group,
            method_name: stringify!($fn),
            doc: concat!($($doc, "\n",)*),
            method: operations!(@http $m),
            path: $path,
            path_params: &[$($crate::catalog::Param { rust: stringify!($pp), wire: $ppw, label: $ppl }),*],
            input: operations!(@input $in ($($inargs)*)),
            output: operations!(@output $out),
            status: $status,
            retry: operations!(@retry $retry),
            auth: $auth,
            py: operations!(@py $py),
            validate: operations!(@validate $in ($($inargs)*)),
            respond: operations!(@respond $out),
        }
    };

    (@http GET) => { $crate::catalog::Method::Get };
    (@http POST) => { $crate::catalog::Method::Post };
    (@http PUT) => { $crate::catalog::Method::Put };
    (@http PATCH) => { $crate::catalog::Method::Patch };
    (@http DELETE) => { $crate::catalog::Method::Delete };

    (@auth) => { $crate::catalog::Auth::ApiKey };
    (@auth grant_token) => { $crate::catalog::Auth::GrantToken };

    (@retry safe) => { $crate::catalog::Retry::Safe };
    (@retry never) => { $crate::catalog::Retry::Never };
    (@retry idempotency_key) => { $crate::catalog::Retry::WithIdempotencyKey };

    (@py positional) => { $crate::catalog::PyStyle::Positional };
    (@py params) => { $crate::catalog::PyStyle::Params };
    (@py optional_params) => { $crate::catalog::PyStyle::OptionalParams };
    (@py keywords) => { $crate::catalog::PyStyle::Keywords };
    (@py arguments) => { $crate::catalog::PyStyle::Arguments };
    (@py params_or_keywords) => { $crate::catalog::PyStyle::ParamsOrKeywords };
    (@py fields) => { $crate::catalog::PyStyle::Fields };

    (@input none ()) => { $crate::catalog::Input::None };
    (@input body ($t:ty)) => {
        $crate::catalog::Input::Body(<$t as $crate::catalog::Wire>::shape)
    };
    (@input query ($t:ty)) => {
        $crate::catalog::Input::Query(<$t as $crate::catalog::Wire>::shape)
    };
    (@input strings ($($a:ident : $w:literal $l:literal),*)) => {
        $crate::catalog::Input::Strings(&[
            $($crate::catalog::Param { rust: stringify!($a), wire: $w, label: $l }),*
        ])
    };

    (@validate none ()) => { $crate::catalog::validate_none };
    (@validate strings ($($x:tt)*)) => { $crate::catalog::validate_strings };
    (@validate body ($t:ty)) => { $crate::catalog::validate_params::<$t> };
    (@validate query ($t:ty)) => { $crate::catalog::validate_params::<$t> };

    (@output ()) => { $crate::catalog::Output::Unit };
    (@output ($w:ty => $t:ty)) => {
        $crate::catalog::Output::Mapped {
            wire: <$w as $crate::catalog::Wire>::shape,
            result: <$t as $crate::catalog::Wire>::shape,
        }
    };
    (@output ($t:ty)) => { $crate::catalog::Output::Json(<$t as $crate::catalog::Wire>::shape) };

    (@respond ()) => { $crate::catalog::respond_unit };
    (@respond ($w:ty => $t:ty)) => { $crate::catalog::respond_mapped::<$w, $t> };
    (@respond ($t:ty)) => { $crate::catalog::respond_json::<$t> };

    (@ty ()) => { () };
    (@ty ($w:ty => $t:ty)) => { $t };
    (@ty ($t:ty)) => { $t };

    (@decode (), $resp:expr) => {{
        let _ = $resp;
        Ok(())
    }};
    (@decode ($w:ty => $t:ty), $resp:expr) => {
        <$t as $crate::catalog::MapFrom<$w>>::map_from($crate::http::decode::<$w>($resp)?)
    };
    (@decode ($t:ty), $resp:expr) => { $crate::http::decode::<$t>($resp) };

    // ---------------------------------------------------------------- typed async methods
    (@method [$($d:literal)*] $fn:ident, ($entry:expr), [$($pp:ident)*], none (), $out:tt) => {
        $(#[doc = $d])*
        pub async fn $fn(&self, $($pp: &str),*) -> $crate::Result<operations!(@ty $out)> {
            const OP: $crate::catalog::Operation = $entry;
            let http = $crate::catalog::HasHttp::http(self);
            let resp = $crate::catalog::run(http, &OP, &[$($pp),*], None).await?;
            operations!(@decode $out, resp)
        }
    };
    (@method [$($d:literal)*] $fn:ident, ($entry:expr), [$($pp:ident)*], strings ($($a:ident : $w:literal $l:literal),*), $out:tt) => {
        $(#[doc = $d])*
        pub async fn $fn(&self, $($pp: &str,)* $($a: &str),*) -> $crate::Result<operations!(@ty $out)> {
            const OP: $crate::catalog::Operation = $entry;
            let input = $crate::catalog::strings_input(&OP, &[$($a),*])?;
            let http = $crate::catalog::HasHttp::http(self);
            let resp = $crate::catalog::run(http, &OP, &[$($pp),*], Some(input)).await?;
            operations!(@decode $out, resp)
        }
    };
    (@method [$($d:literal)*] $fn:ident, ($entry:expr), [$($pp:ident)*], $kind:ident ($t:ty), $out:tt) => {
        $(#[doc = $d])*
        pub async fn $fn(&self, $($pp: &str,)* params: &$t) -> $crate::Result<operations!(@ty $out)> {
            const OP: $crate::catalog::Operation = $entry;
            let input = $crate::catalog::to_input(&OP, params)?;
            let http = $crate::catalog::HasHttp::http(self);
            let resp = $crate::catalog::run(http, &OP, &[$($pp),*], Some(input)).await?;
            operations!(@decode $out, resp)
        }
    };

    // ---------------------------------------------------------------- blocking twins
    (@blocking [$($d:literal)*] $fn:ident, [$($pp:ident)*], none (), $out:tt) => {
        $(#[doc = $d])*
        pub fn $fn(&self, $($pp: &str),*) -> $crate::Result<operations!(@ty $out)> {
            $crate::blocking::block_on(self.as_inner().$fn($($pp),*))
        }
    };
    (@blocking [$($d:literal)*] $fn:ident, [$($pp:ident)*], strings ($($a:ident : $w:literal $l:literal),*), $out:tt) => {
        $(#[doc = $d])*
        pub fn $fn(&self, $($pp: &str,)* $($a: &str),*) -> $crate::Result<operations!(@ty $out)> {
            $crate::blocking::block_on(self.as_inner().$fn($($pp,)* $($a),*))
        }
    };
    (@blocking [$($d:literal)*] $fn:ident, [$($pp:ident)*], $kind:ident ($t:ty), $out:tt) => {
        $(#[doc = $d])*
        pub fn $fn(&self, $($pp: &str,)* params: &$t) -> $crate::Result<operations!(@ty $out)> {
            $crate::blocking::block_on(self.as_inner().$fn($($pp,)* params))
        }
    };
}

pub(crate) use operations;
