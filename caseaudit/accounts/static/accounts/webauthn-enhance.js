// Security keys and passkeys need JavaScript and a browser with WebAuthn: reveal their
// controls (marked data-app-webauthn and rendered hidden) only where both are present.
(function () {
  document.addEventListener('DOMContentLoaded', function () {
    if (!window.PublicKeyCredential) return
    document.querySelectorAll('[data-app-webauthn]').forEach(function (el) {
      el.hidden = false
    })
  })
})()
