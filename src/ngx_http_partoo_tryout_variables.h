
/*
 * Copyright (C) Partoo tryout module authors
 *
 * The tryout's embedded variables: who the key is ($partoo_tryout_org_id,
 * $partoo_tryout_user_id), what the item asked (_event_type, _host) and
 * what the delivery left ($partoo_tryout_status, _error, _response_status,
 * _duration, _addr, _connect_time, _first_byte_time, _connection_reused).
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_VARIABLES_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_VARIABLES_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


ngx_int_t ngx_http_partoo_tryout_add_variables(ngx_conf_t *cf);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_VARIABLES_H_INCLUDED_ */
