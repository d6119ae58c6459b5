// AccessGraph's playground: GraphiQL with a sign-in bar. Every request goes to this server.
(function () {
  "use strict";
  var introspection = document.body.getAttribute("data-introspection") === "true";
  var e = React.createElement;

  var DEFAULT_QUERY = [
    "# Welcome to AccessGraph. Sign in above (or put a user key in the Api-Key header below),",
    "# then run this query with the ▶ button: who you are, your organization, and the",
    "# accounts you can access with your capabilities on each (ids of",
    "# customerAdministration.permissions). The book icon on the left opens the documentation.",
    "query Start {",
    "  actor {",
    "    user { id name email }",
    "    organization { id name }",
    "    accounts { id name capabilityIds }",
    "  }",
    "}",
    "",
  ].join("\n");

  function headersFrom(opts) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    var given = (opts && opts.headers) || {};
    Object.keys(given).forEach(function (name) {
      var value = given[name];
      if (value !== "" && value !== null && value !== undefined) headers[name] = String(value);
    });
    return headers;
  }

  function fetcher(params, opts) {
    var headers = headersFrom(opts);
    return fetch("/graphql", {
      method: "POST",
      headers: headers,
      body: JSON.stringify(params),
      credentials: "same-origin",
    }).then(function (response) {
      // A session that ended elsewhere (a fourth sign-in, a timeout, a sign-out): say so.
      if (response.status === 401 && !headers["Api-Key"] && !document.getElementById("signed-in").hidden) {
        showSignedIn(null);
        say("Your session has ended: sign in again.");
      }
      return response.json();
    });
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  var generation = 0;
  function render() {
    generation += 1;
    var props = {
      key: "g" + generation, // a new GraphiQL (and a new introspection) after signing in or out
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultHeaders: '{\n  "Api-Key": ""\n}',
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: "headers",
    };
    if (!introspection) props.schema = null;
    root.render(e(GraphiQL, props, e(GraphiQL.Logo, null, "AccessGraph")));
  }

  var message = document.getElementById("message");
  function say(text, ok) {
    message.textContent = text || "";
    message.className = ok ? "ok" : "";
  }

  function showSignedIn(user) {
    document.getElementById("sign-in").hidden = !!user;
    document.getElementById("signed-in").hidden = !user;
    document.getElementById("who").textContent = user ? user.name + " <" + user.email + ">" : "";
  }

  function errorOf(json, response) {
    return (json && json.errors && json.errors[0] && json.errors[0].message) || response.statusText;
  }

  var domainSelect = document.getElementById("domain");
  document.getElementById("sign-in").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = {
      email: document.getElementById("email").value,
      password: document.getElementById("password").value,
    };
    if (!domainSelect.hidden && domainSelect.value) body.authenticationDomainId = domainSelect.value;
    fetch("/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (json) {
        if (response.ok) {
          document.getElementById("password").value = "";
          domainSelect.hidden = true;
          showSignedIn(json.user);
          var ended = (json.endedSessionIds || []).length;
          say(ended ? "Signed in; this ended " + ended + " older session(s) (at most 3 per user)." : "Signed in.", true);
          render();
        } else if (response.status === 409 && json.authenticationDomains) {
          domainSelect.innerHTML = "";
          json.authenticationDomains.forEach(function (d) {
            var option = document.createElement("option");
            option.value = d.id;
            option.textContent = d.name + " (" + d.organizationName + ")";
            domainSelect.appendChild(option);
          });
          domainSelect.hidden = false;
          say("Multiple accounts found: choose one and sign in again.");
        } else {
          say(errorOf(json, response));
        }
      });
    }).catch(function (err) { say(String(err)); });
  });

  document.getElementById("sign-out").addEventListener("click", function () {
    fetch("/logout", { method: "POST", credentials: "same-origin" }).then(function () {
      showSignedIn(null);
      say("Signed out.", true);
      render();
    });
  });

  // Already signed in (a session cookie from earlier)?
  fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query: "{ actor { user { name email } } }" }),
    credentials: "same-origin",
  }).then(function (response) {
    return response.ok ? response.json() : null;
  }).then(function (json) {
    var user = json && json.data && json.data.actor && json.data.actor.user;
    showSignedIn(user || null);
  }).catch(function () { showSignedIn(null); });

  document.getElementById("introspection-off").hidden = introspection;
  render();
})();
