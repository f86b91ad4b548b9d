// Drives graphgate with Microsoft's msal-node, unmodified: only the authority
// (and knownAuthorities, which is how msal-node accepts an authority host that
// is not Microsoft's without instance discovery) changes. e2e/msalnode_test.go
// runs it; Node trusts graphgate's CA through NODE_EXTRA_CA_CERTS.
//
// Input: one JSON spec, as the first argument or on standard input:
//   {"flow": "client_credentials" | "password" | "consent_required",
//    "authority": "https://localhost:8443/contoso.onmicrosoft.com",
//    "clientId": "…", "secret": "…", "username": "…", "password": "…",
//    "scopes": ["User.Read"]}
// Output: one JSON object on standard output. A flow that fails with an MSAL
// error prints {"error": {name, errorCode, subError, errorMessage, …}} and
// exits 0 (the caller asserts on it); a failure of the script itself exits 1.
import { ConfidentialClientApplication, PublicClientApplication, LogLevel } from "@azure/msal-node";

async function readSpec() {
    if (process.argv[2]) {
        return JSON.parse(process.argv[2]);
    }
    let text = "";
    for await (const chunk of process.stdin) {
        text += chunk;
    }
    return JSON.parse(text);
}

function config(spec) {
    const auth = {
        clientId: spec.clientId,
        authority: spec.authority,
        // The authority's host:port: msal-node then trusts it without asking
        // Microsoft's instance discovery, and reads its OpenID configuration.
        knownAuthorities: [new URL(spec.authority).host],
    };
    if (spec.secret) {
        auth.clientSecret = spec.secret;
    }
    return {
        auth,
        system: {
            loggerOptions: {
                logLevel: LogLevel.Warning,
                piiLoggingEnabled: false,
                loggerCallback: (level, message) => process.stderr.write(`msal-node: ${message}\n`),
            },
        },
    };
}

// What the Go test checks of an AuthenticationResult (claims are decoded there).
function result(r) {
    return {
        accessToken: r.accessToken,
        idToken: r.idToken || "",
        scopes: r.scopes,
        tenantId: r.tenantId,
        tokenType: r.tokenType,
        fromCache: r.fromCache,
        expiresOn: r.expiresOn ? r.expiresOn.toISOString() : null,
        account: r.account
            ? {
                  homeAccountId: r.account.homeAccountId,
                  environment: r.account.environment,
                  tenantId: r.account.tenantId,
                  username: r.account.username,
                  localAccountId: r.account.localAccountId,
              }
            : null,
        idTokenClaims: r.idTokenClaims || null,
    };
}

function errorJSON(e) {
    return {
        step: e.step || "",
        name: e.name,
        className: e.constructor ? e.constructor.name : "",
        errorCode: e.errorCode,
        subError: e.subError,
        errorMessage: e.errorMessage,
        errorNo: e.errorNo,
        status: e.status,
        message: e.message,
    };
}

// step names the call an error came from.
async function step(name, call) {
    try {
        return await call();
    } catch (e) {
        if (e && typeof e === "object") {
            e.step = name;
        }
        throw e;
    }
}

const flows = {
    // (1) Client credentials with a secret.
    async client_credentials(spec) {
        const cca = new ConfidentialClientApplication(config(spec));
        const r = await cca.acquireTokenByClientCredential({ scopes: spec.scopes });
        return { token: result(r) };
    },
    // (2) Resource owner password, then silent from msal-node's in-memory
    // cache: once as is (a cache hit), once forced to use the refresh token.
    async password(spec) {
        const pca = new PublicClientApplication(config(spec));
        const first = await step("password", () =>
            pca.acquireTokenByUsernamePassword({ scopes: spec.scopes, username: spec.username, password: spec.password }),
        );
        const accounts = await pca.getTokenCache().getAllAccounts();
        const cached = await step("silent", () => pca.acquireTokenSilent({ account: first.account, scopes: spec.scopes }));
        const refreshed = await step("silent_refresh", () =>
            pca.acquireTokenSilent({ account: first.account, scopes: spec.scopes, forceRefresh: true }),
        );
        return {
            token: result(first),
            accounts: accounts.length,
            cached: result(cached),
            refreshed: result(refreshed),
        };
    },
    // (3) A scope the user has not consented to: AADSTS65001 consent_required.
    async consent_required(spec) {
        const pca = new PublicClientApplication(config(spec));
        const r = await pca.acquireTokenByUsernamePassword({
            scopes: spec.scopes,
            username: spec.username,
            password: spec.password,
        });
        return { token: result(r) };
    },
};

async function main() {
    const spec = await readSpec();
    const flow = flows[spec.flow];
    if (!flow) {
        throw new Error(`unknown flow ${JSON.stringify(spec.flow)}: want one of ${Object.keys(flows).join(", ")}`);
    }
    let out;
    try {
        out = await flow(spec);
    } catch (e) {
        if (!e || e.errorCode === undefined) {
            throw e; // not an MSAL error: the script itself failed
        }
        out = { error: errorJSON(e) };
    }
    process.stdout.write(JSON.stringify({ flow: spec.flow, msalNode: await msalVersion(), ...out }) + "\n");
}

async function msalVersion() {
    const { createRequire } = await import("node:module");
    return createRequire(import.meta.url)("@azure/msal-node/package.json").version;
}

main().catch((e) => {
    process.stderr.write(`flows.mjs: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
});
