// FieldVisit console: a few small enhancements. Every page works without this script.
(function () {
  'use strict';
  // A form whose button carries data-confirm asks first (revoking a device, disabling an account).
  document.addEventListener('submit', function (event) {
    var button = event.submitter;
    var text = button && button.getAttribute('data-confirm');
    if (text && !window.confirm(text)) {
      event.preventDefault();
    }
  });
  // Filters: the period fields that do not apply to the chosen period are hidden.
  function showPeriod(form) {
    var kind = form.querySelector('select[name="period"]');
    if (!kind) { return; }
    var fields = form.querySelectorAll('[data-period]');
    for (var i = 0; i < fields.length; i++) {
      fields[i].hidden = fields[i].getAttribute('data-period') !== kind.value;
    }
  }
  var forms = document.querySelectorAll('form.filters');
  for (var i = 0; i < forms.length; i++) {
    (function (form) {
      showPeriod(form);
      form.addEventListener('change', function (e) {
        if (e.target && e.target.name === 'period') { showPeriod(form); }
      });
    })(forms[i]);
  }
})();
