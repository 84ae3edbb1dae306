// Swagger UI's settings. The document is relative to /swagger/index.html, so it works under any
// base path. No online validator: on any host but localhost Swagger UI would load a badge from
// validator.swagger.io, sending it the document's URL (the page's policy refuses it anyway).
window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "../openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    tryItOutEnabled: true,
    persistAuthorization: false,
    validatorUrl: "none",
    layout: "StandaloneLayout",
  });
};
