// The admin page's API explorer: Swagger UI over Spoke's /openapi.json.
// Every request it sends carries the token typed (or made) on the page as
// `Authorization: Bearer`, as HubSpot's SDKs send it.
window.addEventListener("DOMContentLoaded", function () {
  var token = document.getElementById("explorer-token");
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger",
    deepLinking: true,
    tryItOutEnabled: true,
    requestInterceptor: function (request) {
      var value = token ? token.value.trim() : "";
      if (value) {
        request.headers["Authorization"] = "Bearer " + value;
      }
      return request;
    },
  });
});
