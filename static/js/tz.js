// Tell the server the browser's time zone (an IANA name such as "Europe/Berlin") in the hd_tz cookie, so
// a person who chose no zone on their profile sees times in their own. The server checks the name
// against the zone database (accounts.locale.valid_zone) and ignores anything else. The page that set it
// is already drawn: times follow from the next page on.
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone) return;
    var current = document.cookie.match(/(?:^|;\s*)hd_tz=([^;]*)/);
    if (current && decodeURIComponent(current[1]) === zone) return;
    var secure = location.protocol === "https:" ? ";secure" : "";
    document.cookie = "hd_tz=" + encodeURIComponent(zone) + ";path=/;max-age=31536000;samesite=lax" + secure;
  } catch (e) {
    /* an old browser without Intl: times stay in the site's zone */
  }
})();
