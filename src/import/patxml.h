/*
 * patxml.h - patent XML files to neutral "patent documents".
 *
 * Three schemas are read, told apart by the root element:
 *   cn-patent-document                  CNIPA, the older ST.36-like schema
 *                                       (source "cnipa-xml");
 *   business:PatentDocumentAndRelated   CNIPA business schema V2.2.1,
 *                                       namespaces base/business (source
 *                                       "cnipa-xml-v2");
 *   us-patent-grant                     USPTO grant full text, red book
 *                                       v4.x (source "uspto-xml").
 * Only the bibliographic data and the abstract are read; the description
 * and claims are skipped.
 *
 * The patent document is a jansson object; a key is left out when the file
 * does not give its value:
 *   country      jurisdiction of the application, 2 letters ("CN", "US")
 *   appno        CN: the dotted form from code_cn_appno ("202111286633.X");
 *                others: country code + the number without separators
 *                ("US12134151")
 *   kind         "invention" | "utility" | "design"
 *   title, abstract   plain text; abstract paragraphs joined with "\n"
 *   lang         "zh", "en", ... (lower case)
 *   filing_date, pub_no, pub_date, grant_no, grant_date   dates YYYY-MM-DD;
 *                a CN publication of kind B/C/U/Y/S and every USPTO grant
 *                is a grant: grant_no/grant_date repeat pub_no/pub_date
 *   ipc, cpc     arrays of symbols normalised by code_ipc_normalize, in
 *                document order without duplicates
 *   applicants, patentees   arrays of {"name", "address", "country"};
 *                USPTO: assignees are the patentees; CN grants: the
 *                cn-patentees / PatenteeDetails list when the file has one
 *                (no sample file does), else the applicants.  USPTO
 *                persons are "first-name last-name", addresses
 *                "city, state" with the country apart
 *   inventors    array of names
 *   priorities   array of {"country", "number", "date"}
 *   pct_app_no ("PCT/KR2014/002669"), pct_pub_no ("WO2014/157990"),
 *   pct_pub_date
 *   source       "cnipa-xml" | "cnipa-xml-v2" | "uspto-xml"
 * No file read here states family members, so "family" is never set.
 *
 * Parsing never touches the network and never loads external DTDs: the
 * USPTO DOCTYPE names a DTD that is not shipped and is ignored, and
 * entities are not expanded from it (XML_PARSE_NONET, no DTDLOAD).
 *
 * Errors (status 422 unless said otherwise; messages zh + en; the file
 * name is set as err.file):
 *   import.xml_syntax     malformed or truncated XML; err.row and the
 *                         message are those of the first fatal error
 *                         libxml2 reports
 *   import.unknown_xml    another root element (named in the message)
 *   import.missing_field  no application number (field "appno")
 *   validation.appno_*    a CN application number refused by code_cn_appno
 *                         (field "appno", row = its line in the file)
 *   validation.date       a malformed date (field = the document key)
 *   import.too_large      more than INT_MAX bytes
 *   import.io (500)       the file cannot be read
 *
 * Thread safety: the functions may run in parallel threads; libxml2 is
 * initialised once on first use.
 */
#ifndef IPC_PATXML_H
#define IPC_PATXML_H

#include "../base/err.h"

#include <jansson.h>
#include <stddef.h>

/* Parses the patent XML file at path.  Error messages and err.file name it
 * by its last path component.  On success returns 0 and sets *doc to a new
 * patent document that the caller owns and releases with json_decref().
 * On failure returns -1, sets *doc to NULL and fills e. */
int patxml_parse_file(const char *path, json_t **doc, err *e);

/* The same over n bytes at data (not modified, not kept after the call).
 * name (the uploaded file's name; may be NULL) is used in messages and as
 * err.file.  On success returns 0 and sets *doc, owned by the caller
 * (json_decref); on failure returns -1, *doc is NULL and e is filled. */
int patxml_parse_mem(const char *name, const char *data, size_t n, json_t **doc, err *e);

#endif
