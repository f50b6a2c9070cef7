// Hoso desk web UI: queue, intake, search and dossier detail over the desk
// node's local HTTP API (docs/API.md). Plain ES2020, no dependencies, so it
// runs offline on a cheap desk PC. Data is inserted with textContent only.
'use strict';

(() => {
  // ---------------------------------------------------------------- i18n --
  const I18N = {
    vi: {
      skip_to_content: 'Bỏ qua, đến nội dung chính',
      tab_queue: 'Hàng đợi', tab_intake: 'Tiếp nhận', tab_search: 'Tra cứu',
      queue_title: 'Hàng đợi', queue_group: 'Nhóm quầy', queue_counter: 'Quầy của tôi',
      queue_issue: 'Cấp số', queue_call_next: 'Gọi số tiếp theo',
      queue_last_issued: 'Số vừa cấp:', queue_serving: 'Đang phục vụ tại quầy của tôi',
      queue_recall: 'Gọi lại', queue_skip: 'Bỏ qua (vắng mặt)', queue_done: 'Xong',
      queue_open_display: 'Mở màn hình phòng chờ', queue_today: 'Số thứ tự hôm nay',
      queue_empty: 'Chưa có số nào hôm nay.', queue_none_waiting: 'Không còn số nào đang chờ trong nhóm {g}.',
      queue_issued_toast: 'Đã cấp số {n}.', queue_called_toast: 'Mời số {n} đến quầy {c}.',
      col_number: 'Số', col_group: 'Nhóm', col_state: 'Trạng thái', col_counter: 'Quầy',
      col_issued: 'Cấp lúc', col_actions: 'Thao tác', col_received: 'Đã nhận',
      col_document: 'Giấy tờ', col_form: 'Loại bản', col_required: 'Yêu cầu',
      col_count: 'Số lượng', col_name: 'Người nộp',
      ticket_waiting: 'Đang chờ', ticket_called: 'Đang gọi', ticket_done: 'Đã phục vụ',
      ticket_skipped: 'Vắng mặt',
      intake_title: 'Tiếp nhận hồ sơ', procedure: 'Thủ tục hành chính',
      procedure_search: 'Tìm thủ tục (mã hoặc tên, gõ không dấu được)',
      procedure_search_ph: 'vd. ban le ruou, 2.000620', procedure_none: 'Không tìm thấy thủ tục phù hợp.',
      catalog_loading: 'Đang tải danh mục thủ tục…', catalog_failed: 'Không tải được danh mục thủ tục.',
      processing_time: 'Thời hạn giải quyết', fees: 'Phí, lệ phí', checklist: 'Thành phần hồ sơ',
      check_all: 'Đánh dấu đủ tất cả', optional: '(nếu có)', received_count_of: 'Số lượng nhận: {d}',
      days_working: '{n} ngày làm việc', days_calendar: '{n} ngày', days_none: 'Không quy định thời hạn',
      days_online: '{n} ngày nếu nộp trực tuyến', not_verified: 'chưa xác minh',
      days_unknown: 'Chưa xác minh thời hạn',
      form_original: 'Bản chính', form_copy: 'Bản sao', form_certified_copy: 'Bản sao chứng thực',
      fee_any: 'Mọi đối tượng', fee_area_any: 'mọi địa bàn', free: 'Miễn phí',
      applicant: 'Người nộp hồ sơ', applicant_kind: 'Loại', kind_person: 'Cá nhân',
      kind_business: 'Doanh nghiệp / tổ chức', business_name: 'Tên doanh nghiệp', tax_code: 'Mã số thuế',
      full_name: 'Họ và tên', legal_rep_name: 'Người đại diện theo pháp luật',
      id_number: 'Số CCCD (12 số)', phone: 'Số điện thoại', email: 'Email (không bắt buộc)',
      province: 'Tỉnh / thành phố', ward: 'Phường / xã', street: 'Số nhà, đường',
      representative: 'Người được ủy quyền nộp hồ sơ (nếu có)',
      rep_full_name: 'Họ và tên người được ủy quyền', authorisation: 'Giấy ủy quyền (số, ngày)',
      intake_details: 'Phân loại, hình thức nhận và trả', applicant_type: 'Đối tượng nộp phí',
      type_organisation: 'Tổ chức, doanh nghiệp', type_household: 'Hộ kinh doanh, cá nhân',
      area: 'Địa bàn', area_urban: 'Thành phố, thị xã (đô thị)', area_other: 'Khu vực khác',
      channel: 'Hình thức nộp', channel_desk: 'Trực tiếp tại quầy', channel_post: 'Qua bưu chính',
      fee_due: 'Phí, lệ phí phải nộp:', return_method: 'Nhận kết quả', return_desk: 'Tại quầy',
      return_post: 'Qua bưu chính công ích', copy_address: 'Dùng tên, điện thoại, địa chỉ người nộp',
      recipient_name: 'Người nhận', recipient_phone: 'Điện thoại người nhận',
      postal_fee_hint: 'Cước chuyển phát được tính khi tiếp nhận và in trên giấy biên nhận.',
      clerk: 'Cán bộ tiếp nhận', note: 'Ghi chú (không bắt buộc)', submit_intake: 'Tiếp nhận hồ sơ',
      refuse: 'Từ chối tiếp nhận', new_intake: 'Nhập hồ sơ mới', refuse_title: 'Từ chối tiếp nhận hồ sơ',
      refuse_reason: 'Lý do từ chối', refuse_confirm: 'Ghi nhận từ chối', cancel: 'Hủy',
      missing_title: 'Hồ sơ chưa đầy đủ — không tiếp nhận', missing_intro: 'Còn thiếu các giấy tờ sau:',
      missing_item: '{name} — {form}, cần {req}, đã nhận {got}',
      guidance_print: 'In phiếu hướng dẫn bổ sung (Mẫu 02)',
      result_title: 'Đã tiếp nhận hồ sơ', refused_title: 'Đã ghi nhận từ chối tiếp nhận',
      dossier_code: 'Mã hồ sơ', lookup_secret: 'Mã tra cứu', received_at: 'Thời gian nhận',
      appointment: 'Hẹn trả kết quả', fee: 'Phí, lệ phí', postal_fee: 'Cước chuyển phát kết quả',
      no_appointment: 'Không hẹn ngày (thủ tục không quy định thời hạn)',
      print_receipt: 'Xem / in biên nhận', print_80mm: 'In khổ 80mm', open_detail: 'Xem chi tiết hồ sơ',
      print_refusal: 'In phiếu từ chối (Mẫu 03)',
      search_title: 'Tra cứu hồ sơ',
      search_text: 'Mã hồ sơ, tên (không dấu được), số CCCD, điện thoại, mã số thuế',
      status: 'Trạng thái', all: 'Tất cả', from_date: 'Nhận từ ngày', to_date: 'Đến ngày', search: 'Tìm',
      search_count: 'Tìm thấy {n} hồ sơ.', search_none: 'Không tìm thấy hồ sơ nào.',
      back_to_search: '← Quay lại tra cứu', dossier: 'Hồ sơ', reprint_receipt: 'In lại biên nhận',
      result_arrived: 'Kết quả đã về', hand_back: 'Trả kết quả', reveal_id: 'Xem số CCCD đầy đủ',
      viewer: 'Cán bộ xem', reveal_reason: 'Lý do xem số CCCD đầy đủ (được ghi nhật ký)',
      reveal_confirm: 'Xem', outcome: 'Kết quả',
      outcome_approved: 'Được giải quyết (có giấy phép/văn bản)',
      outcome_refused: 'Từ chối giải quyết (có văn bản trả lời)', confirm: 'Xác nhận',
      recipient: 'Người nhận kết quả', recipient_owner: 'Chính chủ',
      recipient_authorised: 'Người được ủy quyền', handback_clerk: 'Cán bộ trả kết quả',
      documents_received: 'Giấy tờ đã nhận', timeline: 'Quá trình xử lý',
      id_masked: 'Số CCCD', address: 'Địa chỉ', representative_short: 'Người được ủy quyền',
      rep_id: 'CCCD người được ủy quyền', return_to: 'Gửi kết quả đến', procedure_code: 'Mã thủ tục',
      counted_from: 'Tính thời hạn từ', versions: 'Phiên bản dữ liệu', refusal_reason: 'Lý do',
      handed_back: 'Đã trả kết quả cho', kind: 'Loại người nộp',
      required: 'Bắt buộc nhập.', required_field: 'Vui lòng nhập trường này.',
      hint_id: 'Số CCCD phải gồm đúng 12 chữ số.',
      hint_phone: 'Số điện thoại gồm 10 chữ số, bắt đầu bằng 0.',
      hint_tax: 'Mã số thuế gồm 10 chữ số (chi nhánh: 10 số - 3 số).',
      hint_email: 'Địa chỉ email không hợp lệ.', hint_generic: 'Giá trị chưa hợp lệ.',
      hint_docs: 'Kiểm tra lại thành phần hồ sơ.',
      choose_procedure: 'Chọn thủ tục hành chính trước.',
      network_error: 'Không kết nối được với máy chủ tại quầy.',
      error_prefix: 'Lỗi', saved: 'Đã lưu.', result_arrived_done: 'Đã ghi nhận kết quả về.',
      handback_done: 'Đã trả kết quả.', refused_saved: 'Đã ghi nhận từ chối tiếp nhận.',
      popup_blocked: 'Trình duyệt chặn cửa sổ mới; hãy cho phép cửa sổ bật lên.',
      weekdays: ['Chủ Nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'],
      status_words: {
        1: 'Mới đăng ký trực tuyến', 2: 'Đã tiếp nhận', 3: 'Không được tiếp nhận', 4: 'Đang xử lý',
        5: 'Yêu cầu bổ sung', 6: 'Yêu cầu thực hiện nghĩa vụ tài chính', 7: 'Đã rút hồ sơ',
        8: 'Dừng xử lý', 9: 'Đã có kết quả', 10: 'Đã trả kết quả',
      },
    },
    en: {
      skip_to_content: 'Skip to main content',
      tab_queue: 'Queue', tab_intake: 'Intake', tab_search: 'Search',
      queue_title: 'Queue', queue_group: 'Counter group', queue_counter: 'My counter',
      queue_issue: 'Issue ticket', queue_call_next: 'Call next',
      queue_last_issued: 'Last issued:', queue_serving: 'Now serving at my counter',
      queue_recall: 'Recall', queue_skip: 'Skip (absent)', queue_done: 'Done',
      queue_open_display: 'Open waiting-room screen', queue_today: "Today's tickets",
      queue_empty: 'No tickets yet today.', queue_none_waiting: 'No ticket is waiting in group {g}.',
      queue_issued_toast: 'Issued ticket {n}.', queue_called_toast: 'Ticket {n}, please go to counter {c}.',
      col_number: 'Number', col_group: 'Group', col_state: 'State', col_counter: 'Counter',
      col_issued: 'Issued', col_actions: 'Actions', col_received: 'Received',
      col_document: 'Document', col_form: 'Form', col_required: 'Required',
      col_count: 'Count', col_name: 'Applicant',
      ticket_waiting: 'Waiting', ticket_called: 'Called', ticket_done: 'Served',
      ticket_skipped: 'Absent',
      intake_title: 'Dossier intake', procedure: 'Administrative procedure',
      procedure_search: 'Find procedure (code or name; accents optional)',
      procedure_search_ph: 'e.g. ban le ruou, 2.000620', procedure_none: 'No matching procedure.',
      catalog_loading: 'Loading the procedure catalog…', catalog_failed: 'Could not load the procedure catalog.',
      processing_time: 'Processing time', fees: 'Fees', checklist: 'Required documents',
      check_all: 'Mark all as received', optional: '(if any)', received_count_of: 'Count received: {d}',
      days_working: '{n} working days', days_calendar: '{n} days', days_none: 'No time limit',
      days_online: '{n} days if filed online', not_verified: 'not verified',
      days_unknown: 'Processing time not verified',
      form_original: 'Original', form_copy: 'Copy', form_certified_copy: 'Certified copy',
      fee_any: 'Any applicant', fee_area_any: 'any area', free: 'Free',
      applicant: 'Applicant', applicant_kind: 'Kind', kind_person: 'Person',
      kind_business: 'Business / organisation', business_name: 'Business name', tax_code: 'Tax code',
      full_name: 'Full name', legal_rep_name: 'Legal representative',
      id_number: 'ID number (12 digits)', phone: 'Phone', email: 'Email (optional)',
      province: 'Province / city', ward: 'Ward / commune', street: 'House number, street',
      representative: 'Authorised representative (optional)',
      rep_full_name: "Representative's full name", authorisation: 'Letter of authorisation (number, date)',
      intake_details: 'Fee class, submission and return', applicant_type: 'Fee class',
      type_organisation: 'Organisation, company', type_household: 'Household business, individual',
      area: 'Area', area_urban: 'City or town (urban)', area_other: 'Other area',
      channel: 'Submitted', channel_desk: 'In person at the desk', channel_post: 'By post',
      fee_due: 'Fee due:', return_method: 'Result returned', return_desk: 'At the desk',
      return_post: 'By public postal service', copy_address: "Use the applicant's name, phone and address",
      recipient_name: 'Recipient', recipient_phone: "Recipient's phone",
      postal_fee_hint: 'The postal fee is computed at intake and printed on the receipt.',
      clerk: 'Receiving clerk', note: 'Note (optional)', submit_intake: 'Accept dossier',
      refuse: 'Refuse intake', new_intake: 'New dossier', refuse_title: 'Refuse the dossier at intake',
      refuse_reason: 'Reason for refusal', refuse_confirm: 'Record refusal', cancel: 'Cancel',
      missing_title: 'Dossier incomplete — not accepted', missing_intro: 'These documents are missing:',
      missing_item: '{name} — {form}, required {req}, received {got}',
      guidance_print: 'Print supplement guidance (Form 02)',
      result_title: 'Dossier accepted', refused_title: 'Refusal recorded',
      dossier_code: 'Dossier code', lookup_secret: 'Lookup secret', received_at: 'Received',
      appointment: 'Result due', fee: 'Fee', postal_fee: 'Postal return fee',
      no_appointment: 'No due date (the procedure has no time limit)',
      print_receipt: 'View / print receipt', print_80mm: 'Print 80 mm', open_detail: 'Open dossier',
      print_refusal: 'Print refusal slip (Form 03)',
      search_title: 'Find dossiers',
      search_text: 'Dossier code, name (accents optional), ID number, phone, tax code',
      status: 'Status', all: 'All', from_date: 'Received from', to_date: 'To', search: 'Search',
      search_count: '{n} dossiers found.', search_none: 'No dossier found.',
      back_to_search: '← Back to search', dossier: 'Dossier', reprint_receipt: 'Reprint receipt',
      result_arrived: 'Result arrived', hand_back: 'Hand back result', reveal_id: 'Show full ID number',
      viewer: 'Viewed by', reveal_reason: 'Reason for viewing the full ID number (logged)',
      reveal_confirm: 'Show', outcome: 'Outcome',
      outcome_approved: 'Approved (licence / document issued)',
      outcome_refused: 'Refused (written answer)', confirm: 'Confirm',
      recipient: 'Recipient of the result', recipient_owner: 'The applicant',
      recipient_authorised: 'Authorised person', handback_clerk: 'Clerk handing back',
      documents_received: 'Documents received', timeline: 'Timeline',
      id_masked: 'ID number', address: 'Address', representative_short: 'Authorised representative',
      rep_id: "Representative's ID", return_to: 'Deliver result to', procedure_code: 'Procedure code',
      counted_from: 'Counted from', versions: 'Data versions', refusal_reason: 'Reason',
      handed_back: 'Result handed to', kind: 'Applicant kind',
      required: 'Required.', required_field: 'Please fill in this field.',
      hint_id: 'The ID number must have exactly 12 digits.',
      hint_phone: 'A phone number has 10 digits and starts with 0.',
      hint_tax: 'A tax code has 10 digits (branch: 10 digits - 3 digits).',
      hint_email: 'The email address is not valid.', hint_generic: 'This value is not valid.',
      hint_docs: 'Check the documents received.',
      choose_procedure: 'Choose the procedure first.',
      network_error: 'Cannot reach the desk server.',
      error_prefix: 'Error', saved: 'Saved.', result_arrived_done: 'Result arrival recorded.',
      handback_done: 'Result handed back.', refused_saved: 'Refusal recorded.',
      popup_blocked: 'The browser blocked the new window; allow pop-ups for this page.',
      weekdays: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
      status_words: {
        1: 'Registered online', 2: 'Received', 3: 'Not accepted', 4: 'Being processed',
        5: 'Supplement requested', 6: 'Payment of fees requested', 7: 'Withdrawn',
        8: 'Processing stopped', 9: 'Result ready', 10: 'Result returned',
      },
    },
  };

  const LS = {lang: 'hoso.lang', clerk: 'hoso.clerk', group: 'hoso.queue.group',
    counter: 'hoso.queue.counter'};

  function storeGet(key) {
    try { return localStorage.getItem(key) || ''; } catch (e) { return ''; }
  }
  function storeSet(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* private mode: not remembered */ }
  }

  const state = {
    lang: 'vi',
    node: null,
    procedures: [],
    catalogError: false,
    proc: null,            // the chosen procedure
    activeOption: -1,
    lastBody: null,        // last intake body sent, for Form 02 and refusal
    sentDocRows: [],       // documents[i] in the body -> checklist row index
    result: null,          // last intake / refusal answer
    tickets: [],
    currentTicket: null,
    searchSeq: 0,
    searchResults: null,
    detail: null,
    view: 'queue',
  };

  const $ = (id) => document.getElementById(id);

  function t(key, vars) {
    const dict = I18N[state.lang] || I18N.vi;
    let s = key in dict ? dict[key] : (I18N.vi[key] !== undefined ? I18N.vi[key] : key);
    if (vars && typeof s === 'string') {
      for (const [k, v] of Object.entries(vars)) s = s.split('{' + k + '}').join(String(v));
    }
    return s;
  }

  // Builds an element; children are nodes or strings (inserted as text).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // Accent-insensitive form used for filtering: "Bán lẻ rượu" -> "ban le ruou".
  function fold(s) {
    return String(s || '').normalize('NFD').replace(/\p{M}/gu, '')
      .replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase().replace(/\s+/g, ' ').trim();
  }

  function fmtVnd(n) {
    if (n === null || n === undefined || n === '') return '';
    return String(Math.round(Number(n))).replace(/\B(?=(\d{3})+(?!\d))/g, '.') + ' đ';
  }

  // Times come as ISO 8601 with +07:00 (the node's local time); shown as
  // written, never converted to the browser's zone.
  function parseLocal(v) {
    if (v === null || v === undefined || v === '') return null;
    if (typeof v === 'number') {
      const d = new Date(v + 7 * 3600 * 1000);
      return {y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(),
        h: d.getUTCHours(), mi: d.getUTCMinutes()};
    }
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(String(v));
    if (!m) return null;
    return {y: +m[1], mo: +m[2], d: +m[3], h: m[4] === undefined ? null : +m[4],
      mi: m[5] === undefined ? null : +m[5]};
  }
  const pad2 = (n) => String(n).padStart(2, '0');
  function fmtDate(v) {
    const p = parseLocal(v);
    return p ? `${pad2(p.d)}/${pad2(p.mo)}/${p.y}` : String(v || '');
  }
  function fmtTime(v, withWeekday) {
    const p = parseLocal(v);
    if (!p) return String(v || '');
    let s = `${pad2(p.d)}/${pad2(p.mo)}/${p.y}`;
    if (withWeekday) s = t('weekdays')[new Date(Date.UTC(p.y, p.mo - 1, p.d)).getUTCDay()] + ', ' + s;
    return p.h === null ? s : `${pad2(p.h)}:${pad2(p.mi)}, ${s}`;
  }

  function statusWord(n) { return t('status_words')[n] || String(n); }
  function formWord(f) { return f ? t('form_' + f) : ''; }
  function ticketLabel(tk) {
    if (typeof tk.number === 'string') return tk.number;
    return tk.display || String(tk.number || '');
  }

  let toastTimer = 0;
  function toast(msg) {
    const box = $('toast');
    box.textContent = msg;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, 4000);
  }

  function showError(box, msg) {
    box.textContent = msg || '';
    box.hidden = !msg;
  }

  // ----------------------------------------------------------------- API --
  async function api(method, path, body) {
    const opts = {method, headers: {Accept: 'application/json'}};
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, opts);
    } catch (e) {
      return {status: 0, ok: false, data: null, text: '',
        error: {code: 'network', message: t('network_error')}};
    }
    const type = resp.headers.get('Content-Type') || '';
    let data = null;
    let text = '';
    if (type.includes('json')) {
      try { data = await resp.json(); } catch (e) { data = null; }
    } else {
      text = await resp.text();
    }
    let error = null;
    if (!resp.ok) {
      error = (data && data.error) ||
        {code: 'http_' + resp.status, message: text || resp.statusText || String(resp.status)};
    }
    return {status: resp.status, ok: resp.ok, data, text, error};
  }

  function errorText(error) {
    if (!error) return '';
    return error.code === 'network' ? error.message : `${t('error_prefix')}: ${error.message}`;
  }

  // Opens a window now (inside the click, so pop-up blockers allow it) and
  // fills it with server-rendered HTML when it arrives.
  async function openHtmlWindow(path, body) {
    const w = window.open('', '_blank');
    if (!w) { toast(t('popup_blocked')); return; }
    const r = await api('POST', path, body);
    if (!r.ok) {
      w.close();
      return r;
    }
    w.document.open();
    w.document.write(r.text);
    w.document.close();
    return r;
  }

  // Printable pages open in their own tab; noopener keeps them from
  // reaching back into the desk UI.
  function openUrl(url) { window.open(url, '_blank', 'noopener'); }

  function langQuery() { return state.lang === 'en' ? '?lang=en' : ''; }
  function receiptUrl(code) { return `/dossiers/${encodeURIComponent(code)}/receipt${langQuery()}`; }
  function receipt80Url(code) { return `/dossiers/${encodeURIComponent(code)}/receipt.txt${langQuery()}`; }
  function refusalUrl(code) { return `/dossiers/${encodeURIComponent(code)}/refusal${langQuery()}`; }

  // ------------------------------------------------------------ language --
  function applyStaticI18n() {
    document.documentElement.lang = state.lang;
    for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
    for (const e of document.querySelectorAll('[data-i18n-placeholder]')) {
      e.placeholder = t(e.dataset.i18nPlaceholder);
    }
    for (const e of document.querySelectorAll('[data-i18n-aria]')) {
      e.setAttribute('aria-label', t(e.dataset.i18nAria));
    }
    for (const b of document.querySelectorAll('#lang-switch button')) {
      b.setAttribute('aria-pressed', String(b.dataset.lang === state.lang));
    }
    $('applicant-full-name-label').textContent =
      t(kindValue() === 'business' ? 'legal_rep_name' : 'full_name');
    const sel = $('search-status');
    const current = sel.value;
    clear(sel);
    sel.append(el('option', {value: '', text: t('all')}));
    for (let i = 1; i <= 10; i++) sel.append(el('option', {value: String(i), text: `${i}. ${statusWord(i)}`}));
    sel.value = current;
    document.title = `Hoso — ${state.lang === 'en' ? 'One-stop desk' : 'Bộ phận một cửa'}` +
      (state.node && state.node.name ? ` — ${state.node.name}` : '');
  }

  function setLang(lang, remember) {
    state.lang = lang === 'en' ? 'en' : 'vi';
    if (remember) {
      storeSet(LS.lang, state.lang);
      const url = new URL(location.href);
      if (url.searchParams.has('lang')) {
        url.searchParams.set('lang', state.lang);
        history.replaceState(null, '', url.toString());
      }
    }
    applyStaticI18n();
    renderProcedureInfo(true);
    renderProcedureList();
    renderQueue();
    renderSearchResults();
    renderResult();
    renderDetail();
  }

  // ---------------------------------------------------------------- views --
  const VIEWS = ['queue', 'intake', 'search', 'detail'];

  function showView(view) {
    state.view = view;
    for (const v of VIEWS) $('view-' + v).hidden = v !== view;
    for (const tab of document.querySelectorAll('[role=tab]')) {
      const selected = tab.dataset.view === view || (view === 'detail' && tab.dataset.view === 'search');
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    if (view === 'queue') refreshQueue();
    if (view === 'search' && state.searchResults === null) runSearch();  // newest first
  }

  function route() {
    const h = decodeURIComponent(location.hash.replace(/^#/, ''));
    if (h.startsWith('dossier/')) {
      showView('detail');
      loadDetail(h.slice('dossier/'.length));
    } else if (VIEWS.includes(h) && h !== 'detail') {
      showView(h);
    } else {
      showView('queue');
    }
  }

  function setupTabs() {
    const tabs = [...document.querySelectorAll('[role=tab]')];
    for (const tab of tabs) {
      tab.addEventListener('click', () => { location.hash = tab.dataset.view; });
      tab.addEventListener('keydown', (ev) => {
        const i = tabs.indexOf(tab);
        let j = -1;
        if (ev.key === 'ArrowRight') j = (i + 1) % tabs.length;
        else if (ev.key === 'ArrowLeft') j = (i + tabs.length - 1) % tabs.length;
        else if (ev.key === 'Home') j = 0;
        else if (ev.key === 'End') j = tabs.length - 1;
        if (j >= 0) {
          ev.preventDefault();
          tabs[j].focus();
          location.hash = tabs[j].dataset.view;
        }
      });
    }
    window.addEventListener('hashchange', route);
  }

  // --------------------------------------------------------------- queue --
  function queueGroup() { return $('queue-group').value.trim().toUpperCase(); }
  function queueCounter() { return $('queue-counter').value.trim(); }

  async function refreshQueue() {
    const r = await api('GET', '/api/queue');
    if (!r.ok) { showError($('queue-error'), errorText(r.error)); return; }
    showError($('queue-error'), '');
    state.tickets = Array.isArray(r.data) ? r.data : (r.data.tickets || []);
    const mine = state.tickets.filter((tk) => tk.state === 'called' && String(tk.counter) === queueCounter());
    if (state.currentTicket) {
      const fresh = state.tickets.find((tk) => tk.id === state.currentTicket.id);
      state.currentTicket = fresh && (fresh.state === 'called' || fresh.state === 'skipped') ? fresh : null;
    }
    if (!state.currentTicket && mine.length) state.currentTicket = mine[mine.length - 1];
    renderQueue();
  }

  function renderQueue() {
    const cur = state.currentTicket;
    $('queue-current').textContent = cur ? ticketLabel(cur) : '—';
    $('queue-current').classList.toggle('skipped', !!cur && cur.state === 'skipped');
    $('queue-recall').disabled = !cur;
    $('queue-skip').disabled = !cur || cur.state !== 'called';
    $('queue-done').disabled = !cur || cur.state !== 'called';
    const body = $('queue-list');
    clear(body);
    for (const tk of state.tickets) {
      const actions = el('td', {class: 'row-actions'});
      if (tk.state === 'called' || tk.state === 'skipped') {
        actions.append(el('button', {type: 'button', text: t('queue_recall'),
          'data-testid': 'recall-' + ticketLabel(tk), onclick: () => ticketAction(tk, 'recall')}));
      }
      if (tk.state === 'called') {
        actions.append(el('button', {type: 'button', text: t('queue_done'),
          onclick: () => ticketAction(tk, 'done')}));
      }
      body.append(el('tr', {'data-ticket': ticketLabel(tk), class: 'ticket-' + tk.state},
        el('td', {class: 'code', text: ticketLabel(tk)}),
        el('td', {text: tk.counter_group || ''}),
        el('td', {text: t('ticket_' + tk.state)}),
        el('td', {text: tk.counter || ''}),
        el('td', {text: tk.issued_at ? fmtTime(tk.issued_at).split(',')[0] : ''}),
        actions));
    }
    $('queue-empty').hidden = state.tickets.length > 0;
  }

  async function issueTicket() {
    const group = queueGroup();
    storeSet(LS.group, group);
    const r = await api('POST', '/api/tickets', {counter_group: group});
    if (!r.ok) { showError($('queue-error'), errorText(r.error)); return; }
    showError($('queue-error'), '');
    $('queue-issued').textContent = ticketLabel(r.data);
    toast(t('queue_issued_toast', {n: ticketLabel(r.data)}));
    refreshQueue();
  }

  async function callNext() {
    const group = queueGroup();
    const counter = queueCounter();
    storeSet(LS.group, group);
    storeSet(LS.counter, counter);
    const r = await api('POST', '/api/queue/call-next', {counter_group: group, counter});
    if (!r.ok) {
      showError($('queue-error'), r.status === 404 ? t('queue_none_waiting', {g: group}) : errorText(r.error));
      return;
    }
    showError($('queue-error'), '');
    state.currentTicket = r.data;
    toast(t('queue_called_toast', {n: ticketLabel(r.data), c: counter}));
    renderQueue();
    refreshQueue();
  }

  async function ticketAction(tk, action) {
    if (!tk) return;
    const body = action === 'recall' ? {counter: queueCounter()} : undefined;
    const r = await api('POST', `/api/tickets/${encodeURIComponent(tk.id)}/${action}`, body);
    if (!r.ok) { showError($('queue-error'), errorText(r.error)); return; }
    showError($('queue-error'), '');
    if (action === 'recall') state.currentTicket = r.data;
    else if (state.currentTicket && state.currentTicket.id === tk.id) {
      state.currentTicket = action === 'skip' ? r.data : null;
    }
    refreshQueue();
  }

  function setupQueue() {
    $('queue-group').value = storeGet(LS.group) || 'A';
    $('queue-counter').value = storeGet(LS.counter) || '1';
    $('queue-group').addEventListener('change', () => storeSet(LS.group, queueGroup()));
    $('queue-counter').addEventListener('change', () => {
      storeSet(LS.counter, queueCounter());
      state.currentTicket = null;
      refreshQueue();
    });
    $('ticket-issue').addEventListener('click', issueTicket);
    $('queue-call-next').addEventListener('click', callNext);
    $('queue-recall').addEventListener('click', () => ticketAction(state.currentTicket, 'recall'));
    $('queue-skip').addEventListener('click', () => ticketAction(state.currentTicket, 'skip'));
    $('queue-done').addEventListener('click', () => ticketAction(state.currentTicket, 'done'));
    setInterval(() => { if (state.view === 'queue' && !document.hidden) refreshQueue(); }, 5000);
  }

  // ----------------------------------------------------- procedure picker --
  function procName(p) {
    if (!p) return '';
    const n = p.name;
    if (n && typeof n === 'object') return (state.lang === 'en' && n.en) || n.vi || n.en || '';
    return (state.lang === 'en' && p.name_en) || p.name_vi || n || '';
  }
  function procField(p) {
    const f = p.field;
    if (f && typeof f === 'object') return (state.lang === 'en' && f.en) || f.vi || '';
    return f || '';
  }
  function procCode(p) { return p.code || ''; }

  function procKey(p) {
    if (!p._fold) {
      const n = p.name || {};
      p._fold = fold([p.code, p.id, n.vi || p.name_vi, n.en || p.name_en,
        (p.field && p.field.vi) || ''].join(' '));
    }
    return p._fold;
  }

  function filterProcedures(query) {
    const q = fold(query);
    const tokens = q.split(' ').filter(Boolean);
    const out = [];
    for (const p of state.procedures) {
      const key = procKey(p);
      if (!tokens.every((tok) => key.includes(tok))) continue;
      let score = 3;
      if (q && procCode(p) && procCode(p).startsWith(q)) score = 0;
      else if (q && fold(procName(p)).includes(q)) score = 1;
      else if (q && key.includes(q)) score = 2;
      out.push({p, score});
    }
    out.sort((a, b) => a.score - b.score || procName(a.p).localeCompare(procName(b.p), 'vi'));
    return out.slice(0, 60).map((x) => x.p);
  }

  function processingText(p) {
    const pr = p.processing || {};
    let s;
    if (pr.kind === 'none') s = t('days_none');
    else if (pr.days === null || pr.days === undefined) s = t('days_unknown');
    else s = t(pr.kind === 'calendar_days' ? 'days_calendar' : 'days_working', {n: pr.days});
    if (pr.online_days !== null && pr.online_days !== undefined && pr.kind !== 'none') {
      s += ` (${t('days_online', {n: pr.online_days})})`;
    }
    if (pr.verified === false && pr.kind !== 'none' && pr.days !== null && pr.days !== undefined) {
      s += ` (${t('not_verified')})`;
    }
    return s;
  }

  function renderProcedureList() {
    const list = $('procedure-list');
    const input = $('procedure-search');
    if (list.hidden) return;
    clear(list);
    if (state.catalogError) {
      list.append(el('li', {class: 'empty', text: t('catalog_failed')}));
      return;
    }
    const items = filterProcedures(input.value);
    state.options = items;
    if (state.activeOption >= items.length) state.activeOption = items.length - 1;
    if (!items.length) list.append(el('li', {class: 'empty', text: t('procedure_none')}));
    items.forEach((p, i) => {
      const li = el('li', {
        role: 'option', id: 'proc-opt-' + i, class: 'option',
        'data-code': procCode(p), 'data-id': p.id, 'aria-selected': String(i === state.activeOption),
      },
      el('span', {class: 'code', text: procCode(p) || '—'}),
      el('span', {class: 'opt-name', text: procName(p)}),
      el('span', {class: 'opt-meta', text: `${procField(p)} · ${processingText(p)}`}));
      li.addEventListener('mousedown', (ev) => ev.preventDefault());  // keep focus in the input
      li.addEventListener('click', () => chooseProcedure(p));
      list.append(li);
    });
    if (state.activeOption >= 0) {
      input.setAttribute('aria-activedescendant', 'proc-opt-' + state.activeOption);
      const active = $('proc-opt-' + state.activeOption);
      if (active) active.scrollIntoView({block: 'nearest'});
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function openPicker() {
    $('procedure-list').hidden = false;
    $('procedure-search').setAttribute('aria-expanded', 'true');
    renderProcedureList();
  }
  function closePicker() {
    $('procedure-list').hidden = true;
    $('procedure-search').setAttribute('aria-expanded', 'false');
    $('procedure-search').removeAttribute('aria-activedescendant');
    state.activeOption = -1;
  }

  function chooseProcedure(p) {
    state.proc = p;
    $('procedure-search').value = `${procCode(p) ? procCode(p) + ' — ' : ''}${procName(p)}`;
    closePicker();
    clearFieldError('procedure-search');
    renderProcedureInfo(false);
    const first = $('docs-check-all');
    if (first) first.focus();
  }

  function setupPicker() {
    const input = $('procedure-search');
    input.addEventListener('input', () => {
      state.activeOption = input.value.trim() ? 0 : -1;
      openPicker();
    });
    input.addEventListener('focus', openPicker);
    input.addEventListener('blur', () => setTimeout(closePicker, 150));
    input.addEventListener('keydown', (ev) => {
      const n = (state.options || []).length;
      if (ev.key === 'ArrowDown') {
        ev.preventDefault();
        if ($('procedure-list').hidden) openPicker();
        state.activeOption = Math.min(n - 1, state.activeOption + 1);
        renderProcedureList();
      } else if (ev.key === 'ArrowUp') {
        ev.preventDefault();
        state.activeOption = Math.max(0, state.activeOption - 1);
        renderProcedureList();
      } else if (ev.key === 'Enter') {
        ev.preventDefault();  // never submit the form from the picker
        if (!$('procedure-list').hidden && state.activeOption >= 0 && state.options[state.activeOption]) {
          chooseProcedure(state.options[state.activeOption]);
        }
      } else if (ev.key === 'Escape') {
        closePicker();
      }
    });
  }

  async function loadCatalog() {
    const r = await api('GET', '/api/catalog');
    if (!r.ok) {
      state.catalogError = true;
      showError($('err-procedure-search'), `${t('catalog_failed')} ${errorText(r.error)}`);
      return;
    }
    state.catalogError = false;
    state.procedures = Array.isArray(r.data) ? r.data : (r.data.procedures || []);
    renderProcedureList();
  }

  // ------------------------------------------------------ procedure info --
  function feeMatches(f, type, area) {
    return (f.applicant_type === type || f.applicant_type === 'any' || !f.applicant_type) &&
      (f.area === area || f.area === 'any' || !f.area);
  }

  // The most specific fee row for (type, area), as the catalog chooses it.
  function feeFor(p, type, area) {
    const rows = (p.fees || []).filter((f) => feeMatches(f, type, area));
    rows.sort((a, b) => ((b.applicant_type === type) * 2 + (b.area === area)) -
      ((a.applicant_type === type) * 2 + (a.area === area)));
    return rows[0] || null;
  }

  function feeText(f) {
    if (!f) return t('not_verified');
    if (f.amount_vnd === null || f.amount_vnd === undefined) return t('not_verified');
    const amount = Number(f.amount_vnd) === 0 ? t('free') : fmtVnd(f.amount_vnd);
    return f.verified === false ? `${amount} (${t('not_verified')})` : amount;
  }

  function feeClassText(f) {
    const type = !f.applicant_type || f.applicant_type === 'any' ? t('fee_any') :
      t('type_' + f.applicant_type);
    const area = !f.area || f.area === 'any' ? t('fee_area_any') : t('area_' + f.area);
    return `${type} — ${area}`;
  }

  function updateFeeDue() {
    const p = state.proc;
    $('fee-due').textContent = p ? feeText(feeFor(p, $('applicant-type').value, $('area').value)) : '—';
  }

  // Renders the chosen procedure; `keepTicks` preserves what the clerk ticked
  // (used when only the language changed).
  function renderProcedureInfo(keepTicks) {
    const p = state.proc;
    $('procedure-selected').hidden = !p;
    if (!p) { updateFeeDue(); return; }
    const ticks = keepTicks ? readChecklist() : null;
    if (keepTicks && document.activeElement !== $('procedure-search')) {
      $('procedure-search').value = `${procCode(p) ? procCode(p) + ' — ' : ''}${procName(p)}`;
    }
    $('procedure-code').textContent = procCode(p);
    $('procedure-name').textContent = procName(p);
    $('procedure-field').textContent = procField(p);
    $('procedure-processing').textContent = processingText(p);
    const fees = $('procedure-fees').tBodies[0];
    clear(fees);
    for (const f of p.fees || []) {
      fees.append(el('tr', {}, el('td', {text: feeClassText(f)}), el('td', {class: 'num', text: feeText(f)})));
    }
    if (!(p.fees || []).length) fees.append(el('tr', {}, el('td', {text: t('not_verified')})));
    const body = $('checklist');
    clear(body);
    (p.required_documents || []).forEach((d, i) => {
      const name = (state.lang === 'en' && d.name_en) || d.name_vi || d.name_en || d.id;
      const tick = ticks && ticks[i];
      const check = el('input', {type: 'checkbox', id: 'doc-check-' + i, 'data-doc-id': d.id,
        'data-testid': 'doc-check', checked: tick ? tick.checked : false});
      const count = el('input', {type: 'number', id: 'doc-count-' + i, min: '1', max: '99', step: '1',
        class: 'count', value: String(tick ? tick.count : (d.count || 1)),
        'aria-label': t('received_count_of', {d: name})});
      check.addEventListener('change', () => { clearFieldError('checklist'); markMissing([]); });
      count.addEventListener('input', () => { if (count.value && +count.value > 0) check.checked = true; });
      body.append(el('tr', {id: 'doc-row-' + i, 'data-doc-id': d.id},
        el('td', {class: 'center'}, check),
        el('td', {}, el('label', {for: 'doc-check-' + i, text: name}),
          d.optional ? el('span', {class: 'muted', text: ' ' + t('optional')}) : null,
          el('p', {class: 'field-error', id: 'err-doc-' + i, role: 'alert', hidden: true})),
        el('td', {text: formWord(d.form)}),
        el('td', {class: 'num', text: String(d.count || 1)}),
        el('td', {}, count)));
    });
    updateFeeDue();
  }

  function readChecklist() {
    const out = [];
    const p = state.proc;
    if (!p) return out;
    (p.required_documents || []).forEach((d, i) => {
      const c = $('doc-check-' + i);
      const n = $('doc-count-' + i);
      out.push({id: d.id, checked: !!(c && c.checked), count: n ? parseInt(n.value, 10) || 0 : 0});
    });
    return out;
  }

  function markMissing(ids) {
    for (const row of document.querySelectorAll('#checklist tr')) {
      row.classList.toggle('missing', ids.includes(row.dataset.docId));
    }
  }

  // ---------------------------------------------------------- intake form --
  function kindValue() { return $('applicant-kind-business').checked ? 'business' : 'person'; }
  function returnValue() { return $('return-post').checked ? 'post' : 'desk'; }
  const val = (id) => $(id).value.trim();

  function updateKind() {
    const business = kindValue() === 'business';
    for (const e of document.querySelectorAll('.business-only')) e.hidden = !business;
    for (const e of document.querySelectorAll('.person-only')) e.hidden = business;
    $('applicant-full-name-label').textContent = t(business ? 'legal_rep_name' : 'full_name');
    $('applicant-type').value = business ? 'organisation' : 'household';
    updateFeeDue();
  }

  function buildIntakeBody() {
    const kind = kindValue();
    const applicant = {
      kind,
      full_name: val('applicant-full-name'),
      phone: val('applicant-phone'),
      address: {province: val('applicant-province'), ward: val('applicant-ward'),
        street: val('applicant-street')},
    };
    if (kind === 'person') applicant.id_number = val('applicant-id-number');
    else {
      applicant.business_name = val('applicant-business-name');
      applicant.tax_code = val('applicant-tax-code');
    }
    if (val('applicant-email')) applicant.email = val('applicant-email');
    const body = {
      procedure_id: state.proc ? state.proc.id || state.proc.code : '',
      applicant,
      applicant_type: $('applicant-type').value,
      area: $('area').value,
      documents: [],
      channel: $('channel').value,
      return: {method: returnValue()},
      clerk: val('clerk'),
    };
    if (val('rep-full-name') || val('rep-id-number') || val('rep-authorisation')) {
      body.representative = {full_name: val('rep-full-name'), id_number: val('rep-id-number'),
        authorisation: val('rep-authorisation')};
    }
    state.sentDocRows = [];
    readChecklist().forEach((d, i) => {
      if (d.checked) {
        body.documents.push({id: d.id, count: Math.max(1, d.count)});
        state.sentDocRows.push(i);
      }
    });
    if (body.return.method === 'post') {
      Object.assign(body.return, {
        recipient_name: val('return-recipient-name'),
        recipient_phone: val('return-recipient-phone'),
        address: {province: val('return-province'), ward: val('return-ward'),
          street: val('return-street')},
      });
    }
    if (val('note')) body.note = val('note');
    return body;
  }

  // Maps an API field path (docs/API.md) to the input that holds it.
  const FIELD_INPUTS = {
    'procedure_id': 'procedure-search',
    'applicant.kind': 'applicant-kind-person',
    'applicant.full_name': 'applicant-full-name',
    'applicant.id_number': 'applicant-id-number',
    'applicant.business_name': 'applicant-business-name',
    'applicant.tax_code': 'applicant-tax-code',
    'applicant.phone': 'applicant-phone',
    'applicant.email': 'applicant-email',
    'applicant.address': 'applicant-province',
    'applicant.address.province': 'applicant-province',
    'applicant.address.ward': 'applicant-ward',
    'applicant.address.street': 'applicant-street',
    'representative': 'rep-full-name',
    'representative.full_name': 'rep-full-name',
    'representative.id_number': 'rep-id-number',
    'representative.authorisation': 'rep-authorisation',
    'applicant_type': 'applicant-type',
    'area': 'area',
    'channel': 'channel',
    'return': 'return-desk',
    'return.method': 'return-desk',
    'return.recipient_name': 'return-recipient-name',
    'return.recipient_phone': 'return-recipient-phone',
    'return.address': 'return-province',
    'return.address.province': 'return-province',
    'return.address.ward': 'return-ward',
    'return.address.street': 'return-street',
    'clerk': 'clerk',
    'note': 'note',
    'reason': 'refusal-reason',
    'documents': 'checklist',
  };
  // Inputs whose error line has another id than err-<input id>.
  const ERROR_BOXES = {'return-desk': 'err-return-method', 'applicant-kind-person': 'intake-error'};

  function hintFor(field) {
    if (/id_number$/.test(field)) return t('hint_id');
    if (/phone$/.test(field)) return t('hint_phone');
    if (/tax_code$/.test(field)) return t('hint_tax');
    if (/email$/.test(field)) return t('hint_email');
    if (/^documents/.test(field)) return t('hint_docs');
    return t('hint_generic');
  }

  function clearFieldError(inputId) {
    const box = $(ERROR_BOXES[inputId] || 'err-' + inputId);
    if (box) { box.hidden = true; box.textContent = ''; }
    const input = $(inputId);
    if (input) input.removeAttribute('aria-invalid');
  }

  function clearIntakeErrors() {
    for (const e of document.querySelectorAll('#view-intake .field-error')) {
      e.hidden = true;
      e.textContent = '';
    }
    for (const e of document.querySelectorAll('#view-intake [aria-invalid]')) e.removeAttribute('aria-invalid');
    showError($('intake-error'), '');
    markMissing([]);
  }

  // Shows `error` next to the input its field names and focuses that input;
  // falls back to the form-level error line.
  function showFieldError(error) {
    const field = error.field || '';
    let inputId = FIELD_INPUTS[field];
    let boxId = null;
    const doc = /^documents\[(\d+)\](?:\.(\w+))?$/.exec(field);
    if (doc) {
      const row = state.sentDocRows[+doc[1]];
      if (row !== undefined) {
        inputId = doc[2] === 'count' ? 'doc-count-' + row : 'doc-check-' + row;
        boxId = 'err-doc-' + row;
      } else {
        inputId = 'checklist';
      }
    }
    if (field.startsWith('representative')) $('representative-section').open = true;
    const message = `${hintFor(field)} (${error.message})`;
    if (inputId === 'checklist') {
      showError($('err-checklist'), message);
      const first = document.querySelector('#checklist input');
      if (first) first.focus();
      return;
    }
    const input = inputId ? $(inputId) : null;
    const box = $(boxId || ERROR_BOXES[inputId] || 'err-' + inputId);
    if (!input || input.offsetParent === null || !box) {
      showError($('intake-error'), errorText(error) + (field ? ` [${field}]` : ''));
      $('intake-error').focus();
      return;
    }
    box.textContent = message;
    box.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', box.id);
    input.focus();
  }

  function missingName(m) { return (state.lang === 'en' && m.name_en) || m.name_vi || m.name_en || m.id; }

  function showMissing(missing) {
    const list = $('missing-list');
    clear(list);
    for (const m of missing) {
      list.append(el('li', {'data-doc-id': m.id, text: t('missing_item', {name: missingName(m),
        form: formWord(m.form), req: m.count_required, got: m.count_received})}));
    }
    markMissing(missing.map((m) => m.id));
    $('missing-box').hidden = false;
    $('guidance-print').focus();
  }

  async function submitIntake(ev) {
    ev.preventDefault();
    clearIntakeErrors();
    $('missing-box').hidden = true;
    $('refusal-box').hidden = true;
    if (!state.proc) {
      showFieldError({field: 'procedure_id', message: t('choose_procedure')});
      return;
    }
    storeSet(LS.clerk, val('clerk'));
    const body = buildIntakeBody();
    state.lastBody = body;
    const submit = $('intake-submit');
    submit.disabled = true;
    const r = await api('POST', '/api/dossiers', body);
    submit.disabled = false;
    if (r.status === 201) {
      state.result = Object.assign({refused: false}, r.data);
      renderResult();
      return;
    }
    if (r.status === 422 && r.data && Array.isArray(r.data.missing)) {
      showMissing(r.data.missing);
      return;
    }
    if (r.error && r.error.field) showFieldError(r.error);
    else {
      showError($('intake-error'), errorText(r.error));
      $('intake-error').focus();
    }
  }

  async function printGuidance() {
    const body = state.lastBody || buildIntakeBody();
    const r = await openHtmlWindow('/api/guidance-slip' + langQuery(), body);
    if (r && !r.ok) showError($('intake-error'), errorText(r.error));
  }

  function openRefusal() {
    $('refusal-box').hidden = false;
    $('refusal-reason').focus();
  }

  async function confirmRefusal() {
    clearIntakeErrors();
    const reason = val('refusal-reason');
    if (!reason) {
      showError($('err-refusal-reason'), t('required'));
      $('refusal-reason').focus();
      return;
    }
    if (!state.proc) {
      showFieldError({field: 'procedure_id', message: t('choose_procedure')});
      return;
    }
    storeSet(LS.clerk, val('clerk'));
    const body = Object.assign(buildIntakeBody(), {reason});
    const r = await api('POST', '/api/dossiers/refusals', body);
    if (r.status === 201) {
      state.result = Object.assign({refused: true, refusal_reason: reason}, r.data);
      toast(t('refused_saved'));
      renderResult();
      return;
    }
    if (r.error && r.error.field) showFieldError(r.error);
    else showError($('intake-error'), errorText(r.error));
  }

  function renderResult() {
    const res = state.result;
    const card = $('result-card');
    $('intake-form').hidden = !!res;
    if (!res) { card.hidden = true; return; }
    const wasHidden = card.hidden;
    $('missing-box').hidden = true;
    $('refusal-box').hidden = true;
    card.hidden = false;
    card.classList.toggle('warn', res.refused);
    card.classList.toggle('success', !res.refused);
    $('result-title').textContent = t(res.refused ? 'refused_title' : 'result_title');
    $('result-code').textContent = res.code || '';
    $('result-secret').textContent = res.lookup_secret || '';
    $('result-received').textContent = fmtTime(res.received_at, true);
    const kind = res.processing && res.processing.kind;
    // A refused dossier has no appointment and owes no fee.
    for (const id of ['result-appointment', 'result-fee']) {
      $(id).hidden = !!res.refused;
      $(id).previousElementSibling.hidden = !!res.refused;
    }
    $('result-appointment').textContent =
      kind === 'none' ? t('no_appointment') : fmtTime(res.appointment, true);
    $('result-fee').textContent = res.fee_vnd === null || res.fee_vnd === undefined ?
      t('not_verified') : (Number(res.fee_vnd) === 0 ? t('free') : fmtVnd(res.fee_vnd));
    const postal = res.postal_fee_vnd !== null && res.postal_fee_vnd !== undefined;
    $('result-postal-fee-label').hidden = !postal;
    $('result-postal-fee').hidden = !postal;
    $('result-postal-fee').textContent = postal ? fmtVnd(res.postal_fee_vnd) : '';
    $('result-reason-label').hidden = !res.refused;
    $('result-reason').hidden = !res.refused;
    $('result-reason').textContent = res.refused ? res.refusal_reason || '' : '';
    $('result-receipt').textContent = t(res.refused ? 'print_refusal' : 'print_receipt');
    $('result-receipt-80mm').hidden = !!res.refused;
    if (wasHidden) card.focus();
  }

  function resetIntake() {
    state.result = null;
    state.proc = null;
    state.lastBody = null;
    const clerk = val('clerk');
    $('intake-form').reset();
    $('clerk').value = clerk || storeGet(LS.clerk);
    $('applicant-province').value = (state.node && state.node.province) || '';
    $('representative-section').open = false;
    $('procedure-search').value = '';
    clearIntakeErrors();
    $('missing-box').hidden = true;
    $('refusal-box').hidden = true;
    $('refusal-reason').value = '';
    updateKind();
    updateReturn();
    renderProcedureInfo(false);
    renderResult();
    $('procedure-search').focus();
  }

  function updateReturn() {
    $('return-post-fields').hidden = returnValue() !== 'post';
  }

  function copyApplicantToReturn() {
    const name = kindValue() === 'business' && val('applicant-business-name') ?
      val('applicant-business-name') : val('applicant-full-name');
    $('return-recipient-name').value = name;
    $('return-recipient-phone').value = val('applicant-phone');
    $('return-province').value = val('applicant-province');
    $('return-ward').value = val('applicant-ward');
    $('return-street').value = val('applicant-street');
  }

  function setupIntake() {
    $('clerk').value = storeGet(LS.clerk);
    $('clerk').addEventListener('change', () => storeSet(LS.clerk, val('clerk')));
    $('intake-form').addEventListener('submit', submitIntake);
    $('intake-form').addEventListener('input', (ev) => {
      if (ev.target && ev.target.id) clearFieldError(ev.target.id);
    });
    for (const id of ['applicant-kind-person', 'applicant-kind-business']) {
      $(id).addEventListener('change', updateKind);
    }
    for (const id of ['return-desk', 'return-post']) $(id).addEventListener('change', updateReturn);
    $('applicant-type').addEventListener('change', updateFeeDue);
    $('area').addEventListener('change', updateFeeDue);
    $('docs-check-all').addEventListener('click', () => {
      const p = state.proc;
      (p ? p.required_documents || [] : []).forEach((d, i) => {
        $('doc-check-' + i).checked = !d.optional || $('doc-check-' + i).checked;
        if ($('doc-check-' + i).checked && !(parseInt($('doc-count-' + i).value, 10) >= (d.count || 1))) {
          $('doc-count-' + i).value = String(d.count || 1);
        }
      });
      clearFieldError('checklist');
      markMissing([]);
    });
    $('return-copy-address').addEventListener('click', copyApplicantToReturn);
    $('intake-refuse').addEventListener('click', openRefusal);
    $('refusal-confirm').addEventListener('click', confirmRefusal);
    $('refusal-cancel').addEventListener('click', () => { $('refusal-box').hidden = true; });
    $('guidance-print').addEventListener('click', printGuidance);
    $('intake-reset').addEventListener('click', resetIntake);
    $('result-new').addEventListener('click', resetIntake);
    $('result-receipt').addEventListener('click', () => {
      const res = state.result;
      if (res) openUrl(res.refused ? refusalUrl(res.code) : receiptUrl(res.code));
    });
    $('result-receipt-80mm').addEventListener('click', () => {
      if (state.result) openUrl(receipt80Url(state.result.code));
    });
    $('result-open-detail').addEventListener('click', () => {
      if (state.result) location.hash = 'dossier/' + state.result.code;
    });
    updateKind();
    updateReturn();
  }

  // -------------------------------------------------------------- search --
  let searchTimer = 0;

  async function runSearch() {
    const params = new URLSearchParams();
    if (val('search-input')) params.set('q', val('search-input'));
    if ($('search-status').value) params.set('status', $('search-status').value);
    if ($('search-from').value) params.set('from', $('search-from').value);
    if ($('search-to').value) params.set('to', $('search-to').value);
    params.set('limit', '50');
    const seq = ++state.searchSeq;
    const r = await api('GET', '/api/dossiers?' + params.toString());
    if (seq !== state.searchSeq) return;  // a newer search is on its way
    for (const id of ['search-input', 'search-status', 'search-from', 'search-to']) {
      showError($('err-' + id), '');
    }
    if (!r.ok) {
      const map = {q: 'search-input', status: 'search-status', from: 'search-from', to: 'search-to'};
      const target = r.error && map[r.error.field];
      showError(target ? $('err-' + target) : $('search-error'), errorText(r.error));
      state.searchResults = null;  // stale rows would look like answers to this query
      renderSearchResults();
      return;
    }
    showError($('search-error'), '');
    state.searchResults = Array.isArray(r.data) ? r.data : (r.data.dossiers || []);
    renderSearchResults();
  }

  function dossierName(d) {
    const a = d.applicant || {};
    return a.kind === 'business' && a.business_name ? a.business_name : a.full_name || '';
  }
  function dossierProcName(d) {
    if (d.procedure && typeof d.procedure === 'object') return procName(d.procedure);
    return (state.lang === 'en' && d.procedure_name_en) || d.procedure_name_vi || d.procedure_id || '';
  }

  function renderSearchResults() {
    const rows = state.searchResults;
    const body = $('search-results');
    clear(body);
    if (!rows) { $('search-count').textContent = ''; return; }
    $('search-count').textContent = rows.length ? t('search_count', {n: rows.length}) : t('search_none');
    for (const d of rows) {
      const href = '#dossier/' + encodeURIComponent(d.code);
      const tr = el('tr', {'data-code': d.code},
        el('td', {}, el('a', {href, class: 'code', text: d.code})),
        el('td', {text: dossierName(d)}),
        el('td', {text: dossierProcName(d)}),
        el('td', {text: fmtTime(d.received_at)}),
        el('td', {text: d.status === 3 ? '—' : fmtTime(d.appointment)}),
        el('td', {}, el('span', {class: 'status-badge s' + d.status, text: statusWord(d.status)})));
      tr.addEventListener('click', (ev) => {
        if (ev.target.tagName !== 'A') location.hash = 'dossier/' + d.code;
      });
      body.append(tr);
    }
  }

  function setupSearch() {
    $('search-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearTimeout(searchTimer);
      runSearch();
    });
    $('search-input').addEventListener('input', () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(runSearch, 350);
    });
    for (const id of ['search-status', 'search-from', 'search-to']) {
      $(id).addEventListener('change', runSearch);
    }
  }

  // -------------------------------------------------------------- detail --
  async function loadDetail(code) {
    state.detail = null;
    $('detail-code').textContent = code;
    $('detail-body').hidden = true;
    for (const id of ['reveal-box', 'arrived-box', 'handback-box']) $(id).hidden = true;
    const r = await api('GET', '/api/dossiers/' + encodeURIComponent(code));
    if (!r.ok) { showError($('detail-error'), errorText(r.error)); return; }
    showError($('detail-error'), '');
    state.detail = r.data;
    renderDetail();
  }

  function addFact(dl, label, value, cls) {
    if (value === null || value === undefined || value === '') return;
    dl.append(el('dt', {text: label}), el('dd', {class: cls, text: value}));
  }

  function addressText(a) {
    return a ? [a.street, a.ward, a.province].filter(Boolean).join(', ') : '';
  }

  function renderDetail() {
    const d = state.detail;
    if (!d) return;
    $('detail-body').hidden = false;
    $('detail-code').textContent = d.code;
    const status = $('detail-status');
    status.textContent = `${statusWord(d.status)} (${d.status})`;
    status.className = 'status-badge s' + d.status;
    const refused = d.status === 3;
    $('detail-receipt').hidden = refused;
    $('detail-receipt-80mm').hidden = refused;
    $('detail-refusal-slip').hidden = !refused;
    $('detail-result-arrived').hidden = !(d.status === 2 || d.status === 4);
    $('detail-hand-back').hidden = d.status !== 9;
    $('detail-reveal').hidden = !d.id_masked;

    const a = d.applicant || {};
    const ap = $('detail-applicant');
    clear(ap);
    addFact(ap, t('kind'), t(a.kind === 'business' ? 'kind_business' : 'kind_person'));
    if (a.kind === 'business') {
      addFact(ap, t('business_name'), a.business_name);
      addFact(ap, t('tax_code'), a.tax_code, 'code');
      addFact(ap, t('legal_rep_name'), a.full_name);
    } else {
      addFact(ap, t('full_name'), a.full_name);
    }
    addFact(ap, t('id_masked'), d.id_masked, 'code');
    addFact(ap, t('phone'), a.phone);
    addFact(ap, 'Email', a.email);
    addFact(ap, t('address'), addressText(a.address));
    const rep = d.representative;
    if (rep && rep.full_name) {
      addFact(ap, t('representative_short'), rep.full_name);
      addFact(ap, t('rep_id'), d.representative_id_masked, 'code');
      addFact(ap, t('authorisation'), rep.authorisation);
    }
    addFact(ap, t('applicant_type'), d.applicant_type ? t('type_' + d.applicant_type) : '');
    addFact(ap, t('area'), d.area ? t('area_' + d.area) : '');
    addFact(ap, t('channel'), d.channel ? t('channel_' + d.channel) : '');
    const ret = d.return || d.return_method || {};
    if (ret.method === 'post') {
      addFact(ap, t('return_method'), t('return_post'));
      addFact(ap, t('return_to'), [ret.recipient_name, ret.recipient_phone, addressText(ret.address)]
        .filter(Boolean).join(' — '));
    } else if (ret.method) {
      addFact(ap, t('return_method'), t('return_desk'));
    }
    const hb = d.hand_back;
    if (hb) {
      addFact(ap, t('handed_back'), [hb.recipient_name, hb.recipient_id_masked,
        hb.recipient_kind ? t('recipient_' + hb.recipient_kind) : '', fmtTime(hb.returned_at)]
        .filter(Boolean).join(' — '));
    }

    const pr = $('detail-procedure');
    clear(pr);
    addFact(pr, t('procedure'), dossierProcName(d));
    addFact(pr, t('procedure_code'), d.procedure_code || (d.procedure && d.procedure.code), 'code');
    addFact(pr, t('lookup_secret'), d.lookup_secret, 'code');
    addFact(pr, t('received_at'), fmtTime(d.received_at, true));
    if (d.counted_from && d.counted_from !== d.received_at) {
      addFact(pr, t('counted_from'), fmtTime(d.counted_from, true));
    }
    const proc = d.processing || {kind: d.processing_kind, days: d.processing_days};
    if (proc.kind) addFact(pr, t('processing_time'), processingText({processing: proc}));
    if (!refused) {
      addFact(pr, t('appointment'), proc.kind === 'none' ? t('no_appointment') :
        fmtTime(d.appointment, true), 'strong');
    }
    if (!refused) {
      addFact(pr, t('fee'), d.fee_vnd === null || d.fee_vnd === undefined ? t('not_verified') :
        (Number(d.fee_vnd) === 0 ? t('free') : fmtVnd(d.fee_vnd)));
    }
    if (d.postal_fee_vnd !== null && d.postal_fee_vnd !== undefined) {
      addFact(pr, t('postal_fee'), fmtVnd(d.postal_fee_vnd));
    }
    addFact(pr, t('refusal_reason'), d.refusal_reason);
    if (d.result && d.result.outcome) {
      addFact(pr, t('outcome'), [t('outcome_' + d.result.outcome), d.result.note].filter(Boolean).join(' — '));
    }
    addFact(pr, t('clerk'), d.clerk);
    addFact(pr, t('note'), d.note);
    const versions = [d.catalog_version, d.calendar_version, d.tariff_version].filter(Boolean);
    if (versions.length) addFact(pr, t('versions'), versions.join(' / '), 'muted');

    const docs = $('detail-documents');
    clear(docs);
    (d.documents || []).forEach((doc, i) => {
      docs.append(el('tr', {},
        el('td', {class: 'num', text: String(i + 1)}),
        el('td', {text: (state.lang === 'en' && doc.name_en) || doc.name_vi || doc.id}),
        el('td', {text: formWord(doc.form)}),
        el('td', {class: 'num', text: String(doc.count || '')})));
    });

    const tl = $('detail-timeline');
    clear(tl);
    for (const e of d.timeline || []) {
      const summary = (state.lang === 'en' && e.summary_en) || e.summary_vi || e.type;
      tl.append(el('li', {}, el('time', {text: fmtTime(e.at)}), ' ', summary));
    }
  }

  function clerkDefault() { return val('clerk') || storeGet(LS.clerk); }

  async function detailPost(action, body, errBox) {
    const d = state.detail;
    const r = await api('POST', `/api/dossiers/${encodeURIComponent(d.code)}/${action}`, body);
    if (!r.ok) { showError($(errBox), errorText(r.error)); return null; }
    showError($(errBox), '');
    return r;
  }

  function requireInputs(ids) {
    for (const id of ids) {
      if (!val(id)) {
        showError($('err-' + id), t('required'));
        $(id).focus();
        return false;
      }
      showError($('err-' + id), '');
    }
    return true;
  }

  function setupDetail() {
    $('detail-back').addEventListener('click', () => { location.hash = 'search'; });
    $('detail-receipt').addEventListener('click', () => openUrl(receiptUrl(state.detail.code)));
    $('detail-receipt-80mm').addEventListener('click', () => openUrl(receipt80Url(state.detail.code)));
    $('detail-refusal-slip').addEventListener('click', () => openUrl(refusalUrl(state.detail.code)));

    $('detail-reveal').addEventListener('click', () => {
      $('reveal-box').hidden = false;
      $('reveal-result').hidden = true;
      $('reveal-viewer').value = $('reveal-viewer').value || clerkDefault();
      $(val('reveal-viewer') ? 'reveal-reason' : 'reveal-viewer').focus();
    });
    $('reveal-cancel').addEventListener('click', () => { $('reveal-box').hidden = true; });
    let revealTimer = 0;
    $('reveal-confirm').addEventListener('click', async () => {
      if (!requireInputs(['reveal-viewer', 'reveal-reason'])) return;
      const r = await detailPost('reveal-id', {viewer: val('reveal-viewer'), reason: val('reveal-reason')},
        'err-reveal-reason');
      if (!r) return;
      const out = $('reveal-result');
      out.textContent = r.data.id_number || '';
      out.hidden = false;
      $('reveal-reason').value = '';
      clearTimeout(revealTimer);
      // The full number stays on screen only briefly.
      revealTimer = setTimeout(() => { out.textContent = ''; out.hidden = true; }, 60000);
    });

    $('detail-result-arrived').addEventListener('click', () => {
      $('arrived-box').hidden = false;
      $('arrived-clerk').value = $('arrived-clerk').value || clerkDefault();
      $('arrived-outcome').focus();
    });
    $('arrived-cancel').addEventListener('click', () => { $('arrived-box').hidden = true; });
    $('arrived-confirm').addEventListener('click', async () => {
      if (!requireInputs(['arrived-clerk'])) return;
      const body = {clerk: val('arrived-clerk'), outcome: $('arrived-outcome').value};
      if (val('arrived-note')) body.note = val('arrived-note');
      const r = await detailPost('result-arrived', body, 'err-arrived');
      if (!r) return;
      toast(t('result_arrived_done'));
      $('arrived-box').hidden = true;
      loadDetail(state.detail.code);
    });

    const updateHandbackKind = () => {
      $('handback-authorisation-field').hidden = !$('handback-authorised').checked;
    };
    $('handback-owner').addEventListener('change', updateHandbackKind);
    $('handback-authorised').addEventListener('change', updateHandbackKind);
    $('detail-hand-back').addEventListener('click', () => {
      $('handback-box').hidden = false;
      $('handback-clerk').value = $('handback-clerk').value || clerkDefault();
      const a = (state.detail && state.detail.applicant) || {};
      if (!val('handback-name') && $('handback-owner').checked) $('handback-name').value = a.full_name || '';
      updateHandbackKind();
      $('handback-name').focus();
    });
    $('handback-cancel').addEventListener('click', () => { $('handback-box').hidden = true; });
    $('handback-confirm').addEventListener('click', async () => {
      const authorised = $('handback-authorised').checked;
      const needed = ['handback-name', 'handback-id-number', 'handback-clerk'];
      if (authorised) needed.push('handback-authorisation');
      if (!requireInputs(needed)) return;
      const body = {
        recipient_kind: authorised ? 'authorised' : 'owner',
        recipient_name: val('handback-name'),
        recipient_id_number: val('handback-id-number'),
        authorisation: authorised ? val('handback-authorisation') : '',
        clerk: val('handback-clerk'),
      };
      const r = await api('POST', `/api/dossiers/${encodeURIComponent(state.detail.code)}/hand-back`, body);
      if (!r.ok) {
        const map = {recipient_name: 'handback-name', recipient_id_number: 'handback-id-number',
          authorisation: 'handback-authorisation', clerk: 'handback-clerk'};
        const target = r.error && map[r.error.field];
        if (target) {
          showError($('err-' + target), `${hintFor(r.error.field)} (${r.error.message})`);
          $(target).focus();
        } else {
          showError($('err-handback'), errorText(r.error));
        }
        return;
      }
      toast(t('handback_done'));
      $('handback-box').hidden = true;
      $('handback-id-number').value = '';
      loadDetail(state.detail.code);
    });
  }

  // ---------------------------------------------------------------- start --
  async function loadNode() {
    const r = await api('GET', '/api/node');
    if (!r.ok) return;
    state.node = r.data;
    $('node-name').textContent = r.data.name || '';
    $('node-unit-code').textContent = r.data.unit_code || '';
    if (!val('applicant-province') && r.data.province) $('applicant-province').value = r.data.province;
    applyStaticI18n();
  }

  function start() {
    const urlLang = new URL(location.href).searchParams.get('lang');
    state.lang = urlLang === 'en' || urlLang === 'vi' ? urlLang : (storeGet(LS.lang) === 'en' ? 'en' : 'vi');
    if (urlLang === 'en' || urlLang === 'vi') storeSet(LS.lang, urlLang);
    for (const b of document.querySelectorAll('#lang-switch button')) {
      b.addEventListener('click', () => setLang(b.dataset.lang, true));
    }
    setupTabs();
    setupQueue();
    setupPicker();
    setupIntake();
    setupSearch();
    setupDetail();
    applyStaticI18n();
    route();
    loadNode();
    loadCatalog();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
